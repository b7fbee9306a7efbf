import CMalloc

/// The two glibc malloc settings that keep a merge's memory flat once planning has read large
/// tokenizers (tens of MB of lookup tables, freed when the vocabulary is planned).
enum ProcessHeap {
    /// glibc raises its mmap threshold each time a mapped block is freed (up to 32 MiB); after
    /// the tokenizer tables are freed, the workers' chunk buffers and selection lists would come
    /// from the heap and stay resident once freed. A fixed threshold (glibc's default) keeps large
    /// blocks mapped, so freeing them gives their pages back.
    static func keepLargeBlocksMapped() {
        _ = mallopt(M_MMAP_THRESHOLD, 128 << 10)
    }

    /// Gives the pages of freed heap blocks back to the system (the tokenizers' small strings
    /// leave whole pages free between the blocks the plan keeps).
    static func releaseFreePages() {
        _ = malloc_trim(0)
    }
}
