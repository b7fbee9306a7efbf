/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo:
/// at most max(1, length of `word` / 3) edits. Ties go to the earlier candidate.
/// Used for "did you mean" hints on keys, method names and parameter names.
public func closestMatch(to word: String, among candidates: [String]) -> String? {
    let threshold = max(1, word.count / 3)
    let wordCharacters = Array(word)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let candidateCharacters = Array(candidate)
        // The length difference alone is a lower bound on the distance.
        guard abs(candidateCharacters.count - wordCharacters.count) <= threshold else { continue }
        let distance = editDistance(wordCharacters, candidateCharacters)
        if distance <= threshold, distance < best?.distance ?? Int.max {
            best = (candidate, distance)
        }
    }
    return best?.candidate
}

/// Levenshtein distance (insertions, deletions, substitutions) where swapping two adjacent
/// characters also counts as one edit ("optimal string alignment"): `modle` is one typo away
/// from `model`, not two.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    // Three rows: two back (for transpositions), previous, current.
    var beforePrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            var distance = min(previous[j - 1] + cost, previous[j] + 1, current[j - 1] + 1)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                distance = min(distance, beforePrevious[j - 2] + 1)
            }
            current[j] = distance
        }
        (beforePrevious, previous, current) = (previous, current, beforePrevious)
    }
    return previous[b.count]
}
