extension HubModelStore {
    /// The lock entry of a Hub model: its commit and each file's size and sha256. LFS files'
    /// sha256 come from the Hub's listing; small files stored in git have none there, so they
    /// are fetched into the cache (they are needed anyway) and hashed.
    public func lock(reference: String, model: ResolvedHubModel, files: [String]) async throws(HubError) -> RecipeLock.Input {
        var locked: [RecipeLock.File] = []
        for file in files {
            if let listed = model.file(file), let size = listed.size, let sha256 = listed.sha256 {
                locked.append(RecipeLock.File(path: file, size: size, sha256: sha256))
                continue
            }
            let path = try await fetchOne(file, of: model)
            let (digest, size) = try FileHasher.sha256(ofFile: path)
            locked.append(RecipeLock.File(path: file, size: size, sha256: digest))
        }
        return RecipeLock.Input(reference: reference,
                                source: .hub(repo: model.repo, revision: model.reference.revision, commit: model.commit),
                                files: locked)
    }
}
