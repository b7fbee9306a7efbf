public import MergeKitYAML

/// Everything the merge needs to know about the output vocabulary: the tokens, each input's
/// row map, the resolved `tokens:` overrides and the padded row count. Embedding-shaped tensors
/// get their per-tensor row plan from `embeddingRows(participants:)`.
public struct VocabularyPlan: Sendable {
    public let output: OutputVocabulary
    /// The row map of each input, in input order.
    public let rowMaps: [VocabularyRowMap]
    public let overrides: [ResolvedTokenOverride]
    /// The input index of the recipe's `base_model`, nil when it has none.
    public let base: Int?
    /// Output rows: the token count rounded up to `pad_to_multiple_of`. This is also the
    /// config.json `vocab_size` of the output.
    public let rowCount: Int
    /// Where the `tokenizer_source` / `tokenizer:` setting is written, for messages.
    public let location: SourceLocation
    /// The inputs' references as the recipe writes them, for messages.
    public let inputReferences: [String]

    public var tokenCount: Int { output.count }

    public init(output: OutputVocabulary, rowMaps: [VocabularyRowMap], overrides: [ResolvedTokenOverride], base: Int?, padToMultipleOf: Int?, location: SourceLocation,
                inputReferences: [String]) {
        self.output = output
        self.rowMaps = rowMaps
        self.overrides = overrides
        self.base = base
        self.location = location
        self.inputReferences = inputReferences
        var rows = output.count
        if let multiple = padToMultipleOf, multiple > 0, rows % multiple != 0 {
            rows += multiple - rows % multiple
        }
        rowCount = rows
    }

    /// The row plan of one embedding-shaped tensor held by `participants` (mergekit's
    /// `PermutedVocabulary`):
    /// - a token every participant has (and no override forces) keeps each participant's own row;
    /// - otherwise the participants without the token (all of them, when forced) get one computed
    ///   row: the `tokens:` source when the token has an override; else the row of the only
    ///   participant with the token; zeros when none has it; the base's row when the base
    ///   participates and has it; else the plain mean of the rows of the participants that have it;
    /// - padding rows are each participant's mean aligned row.
    /// Throws (with the recipe position) when an override's source cannot provide the row, and
    /// when a participant's tensor is shorter than its vocabulary says. `tensor` names the
    /// tensor in messages.
    public func embeddingRows(
        for tensor: String, participants: [EmbeddingParticipant]
    ) throws(TokenizerError) -> EmbeddingRowPlan {
        let positions = Dictionary(participants.enumerated().map { ($1.input, $0) }, uniquingKeysWith: { first, _ in first })
        let ownRowsByToken = participants.map { rowMaps[$0.input].rows }
        let overridesByToken = Dictionary(overrides.map { (TokenText($0.token), $0) }, uniquingKeysWith: { _, last in last })
        let basePosition = base.flatMap { positions[$0] }
        var problems: [TokenizerProblem] = []
        for (position, participant) in participants.enumerated() {
            guard let (id, row) = ownRowsByToken[position].enumerated().max(by: { $0.element < $1.element }),
                  Int(row) >= participant.rows else { continue }
            problems.append(TokenizerProblem(
                file: nil, location: location,
                message: "'\(reference(participant.input))' has \(participant.rows) rows in '\(tensor)', but its "
                    + "vocabulary puts token '\(output.tokens[id])' at row \(row)"))
        }
        guard problems.isEmpty else { throw TokenizerError(problems) }

        var computed: [Int: ComputedRow] = [:]
        var ownRows = ownRowsByToken
        var inNoModel: [String] = []
        for (id, token) in output.tokens.enumerated() {
            let present = ownRowsByToken.indices.filter { ownRowsByToken[$0][id] >= 0 }
            let override = overridesByToken.isEmpty ? nil : overridesByToken[TokenText(token)]
            let forced = override?.force ?? false
            if forced {
                for position in ownRows.indices { ownRows[position][id] = -1 }
            }
            guard forced || present.count < participants.count else { continue }
            if let override {
                do {
                    computed[id] = try computedRow(for: override, tokenID: id, tensor: tensor, participants: participants,
                                                   positions: positions)
                } catch {
                    problems += error.problems
                }
            } else if present.count == 1 {
                computed[id] = .copy(InputRow(participant: present[0], row: Int(ownRowsByToken[present[0]][id])))
            } else if present.isEmpty {
                computed[id] = .zero
                inNoModel.append(token)
            } else if let basePosition, ownRowsByToken[basePosition][id] >= 0 {
                computed[id] = .copy(InputRow(participant: basePosition, row: Int(ownRowsByToken[basePosition][id])))
            } else {
                computed[id] = .mean(present.map { InputRow(participant: $0, row: Int(ownRowsByToken[$0][id])) })
            }
        }
        guard problems.isEmpty else { throw TokenizerError(problems) }
        return EmbeddingRowPlan(participants: participants.map(\.input), tokenCount: output.count, rowCount: rowCount,
                                ownRows: ownRows, computedRows: computed, tokensInNoModel: inNoModel)
    }

    /// The row an override gives the participants that lack its token (or all, when forced).
    private func computedRow(
        for override: ResolvedTokenOverride, tokenID: Int, tensor: String, participants: [EmbeddingParticipant],
        positions: [Int: Int]
    ) throws(TokenizerError) -> ComputedRow {
        guard let source = override.source else {
            let reason = override.force ? "it has force: true" : "not every model has it"
            throw TokenizerError(.recipe("token '\(override.token)' needs a 'source': \(reason)", at: override.location))
        }
        switch source {
        case .zero:
            return .zero
        case .model(let input, let location):
            guard let position = positions[input] else {
                throw TokenizerError(.recipe(missingTensorMessage(input, tensor), at: location))
            }
            guard let row = rowMaps[input].row(forToken: tokenID) else {
                throw TokenizerError(.recipe(notInVocabulary(override.token, input), at: location))
            }
            return .copy(InputRow(participant: position, row: row))
        case .modelRow(let input, let row, let modelLocation, let rowLocation):
            guard let position = positions[input] else {
                throw TokenizerError(.recipe(missingTensorMessage(input, tensor), at: modelLocation))
            }
            let rows = participants[position].rows
            guard row < rows else {
                let message = "token id \(row) is out of range for '\(reference(input))', whose embedding has \(rows) rows"
                throw TokenizerError(.recipe(message, at: rowLocation))
            }
            return .copy(InputRow(participant: position, row: row))
        }
    }

    private func notInVocabulary(_ token: String, _ input: Int) -> String {
        "token '\(token)' is not in the vocabulary of '\(reference(input))'"
    }

    private func missingTensorMessage(_ input: Int, _ tensor: String) -> String {
        "'\(reference(input))' is named as a token source, but it has no '\(tensor)' to take the row from"
    }

    private func reference(_ input: Int) -> String {
        inputReferences.indices.contains(input) ? inputReferences[input] : "input \(input)"
    }
}
