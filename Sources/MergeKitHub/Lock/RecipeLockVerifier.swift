import Glibc
import MergeKitSafetensors

/// Checks inputs against their lock file entries, and makes the entries in the first place.
public enum RecipeLockVerifier {
    /// Compares a Hub model (as listed by the Hub or found in the cache) with its locked entry:
    /// the commit, then every locked file's size and, where both sides know it, sha256.
    public static func check(_ locked: RecipeLock.Input, against model: ResolvedHubModel) -> [LockMismatch] {
        guard case .hub(let repo, _, let commit) = locked.source else {
            return [LockMismatch(reference: locked.reference, file: nil, expected: describe(locked.source), actual: "Hub model '\(model.repo)'")]
        }
        if repo != model.repo || commit != model.commit {
            return [LockMismatch(reference: locked.reference, file: nil, expected: "\(repo)@\(commit)", actual: model.pinnedDescription)]
        }
        return locked.files.compactMap { file in
            guard let found = model.file(file.path) else {
                return LockMismatch(reference: locked.reference, file: file.path, expected: "\(file.size) bytes", actual: "no such file")
            }
            if let size = found.size, size != file.size {
                return LockMismatch(reference: locked.reference, file: file.path, expected: "\(file.size) bytes", actual: "\(size) bytes")
            }
            if let expected = file.sha256, let actual = found.sha256, expected != actual {
                return LockMismatch(reference: locked.reference, file: file.path, expected: "sha256 \(expected)", actual: "sha256 \(actual)")
            }
            return nil
        }
    }

    /// Compares the files in `directory` (a local model, or a Hub snapshot after download) with
    /// the locked sizes and, when `hashing` (reads every file), the locked sha256s.
    public static func check(_ locked: RecipeLock.Input, directory: String, hashing: Bool) throws(HubError) -> [LockMismatch] {
        var mismatches: [LockMismatch] = []
        for file in locked.files {
            let path = directory + "/" + file.path
            guard let size = HubCacheRepository.regularFileSize(path) else {
                mismatches.append(LockMismatch(reference: locked.reference, file: file.path, expected: "\(file.size) bytes", actual: "no such file in \(directory)"))
                continue
            }
            if size != file.size {
                mismatches.append(LockMismatch(reference: locked.reference, file: file.path, expected: "\(file.size) bytes", actual: "\(size) bytes"))
                continue
            }
            if hashing, let expected = file.sha256 {
                let actual = try FileHasher.sha256(ofFile: path).digest
                if actual != expected {
                    mismatches.append(LockMismatch(reference: locked.reference, file: file.path, expected: "sha256 \(expected)", actual: "sha256 \(actual)"))
                }
            }
        }
        return mismatches
    }

    /// Compares `files` of a Hub model's snapshot in the cache with its locked entry: each must
    /// be locked, with the locked size, and with the locked sha256. A blob named by that sha256
    /// (an LFS file: its name is the hash it was verified against when downloaded) is not read
    /// again; any other file is hashed.
    public static func checkCached(
        _ locked: RecipeLock.Input, files: [String], in repository: HubCacheRepository, commit: String
    ) throws(HubError) -> [LockMismatch] {
        var mismatches: [LockMismatch] = []
        for file in files {
            guard let entry = locked.file(file) else {
                mismatches.append(LockMismatch(reference: locked.reference, file: file, expected: "no such file (it is not in the lock file)", actual: "a file the merge reads"))
                continue
            }
            let path = repository.snapshotPath(commit: commit, file: file)
            guard let size = HubCacheRepository.regularFileSize(path) else {
                mismatches.append(LockMismatch(reference: locked.reference, file: file, expected: "\(entry.size) bytes", actual: "no such file in \(repository.snapshotFolder(commit: commit))"))
                continue
            }
            if size != entry.size {
                mismatches.append(LockMismatch(reference: locked.reference, file: file, expected: "\(entry.size) bytes", actual: "\(size) bytes"))
                continue
            }
            guard let expected = entry.sha256, repository.blobName(commit: commit, file: file) != expected else { continue }
            let actual = try FileHasher.sha256(ofFile: path).digest
            if actual != expected {
                mismatches.append(LockMismatch(reference: locked.reference, file: file, expected: "sha256 \(expected)", actual: "sha256 \(actual)"))
            }
        }
        return mismatches
    }

    /// The lock entry of a local model: each file's size, and its sha256 when `hashing`.
    public static func lockLocal(reference: String, directory: String, files: [String], hashing: Bool) throws(HubError) -> RecipeLock.Input {
        var locked: [RecipeLock.File] = []
        for file in files {
            let path = directory + "/" + file
            if hashing {
                let (digest, size) = try FileHasher.sha256(ofFile: path)
                locked.append(RecipeLock.File(path: file, size: size, sha256: digest))
            } else {
                switch FileStatus.of(path) {
                case .success(let status): locked.append(RecipeLock.File(path: file, size: status.size, sha256: nil))
                case .failure(let error): throw HubError.cache(path: path, error)
                }
            }
        }
        return RecipeLock.Input(reference: reference, source: .local(path: directory), files: locked)
    }

    private static func describe(_ source: RecipeLock.Input.Source) -> String {
        switch source {
        case .hub(let repo, _, let commit): return "Hub model \(repo)@\(commit)"
        case .local(let path): return "local directory \(path)"
        }
    }
}

