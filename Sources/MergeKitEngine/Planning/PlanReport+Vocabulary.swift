import MergeKitRecipe
import MergeKitSafetensors
import MergeKitTokenizer

/// `plan`'s account of the vocabulary: the output vocabulary's size, where each block of its
/// rows comes from, which tokenizer files are written, and per aligned tensor how its rows are
/// made.
extension PlanReport {
    /// Blocks listed before the rest are summed up in one line.
    static let shownBlocks = 20

    var vocabularyLines: [String] {
        var lines: [String] = []
        if let vocabulary = plan.vocabulary {
            let plan = vocabulary.plan
            let padding = plan.rowCount > plan.tokenCount ? " (padded to a multiple of \(paddingMultiple))" : ""
            lines.append("vocabulary: \(Self.describe(vocabulary.source)), \(plan.tokenCount) tokens, \(plan.rowCount) rows\(padding)")
            let blocks = vocabulary.rowBlocks
            for block in blocks.prefix(Self.shownBlocks) {
                let rows = block.rows.count == 1 ? "row \(block.rows.lowerBound)" : "rows \(block.rows.lowerBound)–\(block.rows.upperBound - 1)"
                lines.append("  \(rows): \(describe(block.origin))")
            }
            if blocks.count > Self.shownBlocks {
                lines.append("  … \(blocks.count - Self.shownBlocks) more blocks")
            }
        }
        lines.append("tokenizer: \(tokenizerDescription)")
        return lines
    }

    private var paddingMultiple: Int { plan.recipe.tokenizer?.padToMultipleOf?.value ?? 1 }

    static func describe(_ source: TokenizerSettings.Source) -> String {
        switch source {
        case .base: return "the base's tokenizer"
        case .union: return "union of the models' tokenizers"
        case .model(let reference): return "the tokenizer of '\(reference)'"
        }
    }

    private func describe(_ origin: VocabularyAlignment.RowBlock.Origin) -> String {
        switch origin {
        case .model(let model): return plan.modelNames[model]
        case .noModel: return "no model has these tokens (rows from tokens: or zeros)"
        case .padding: return "padding (each model's mean row)"
        }
    }

    private var chatTemplateDescription: String? {
        guard let setting = plan.recipe.chatTemplate?.value else { return nil }
        switch setting {
        case .auto: return "chat template auto (the most common among the models)"
        case .builtin(let builtin): return "chat template \(builtin.rawValue) (built-in)"
        case .inline: return "chat template inline"
        }
    }

    private var tokenizerDescription: String {
        let template = chatTemplateDescription.map { ", " + $0 } ?? ""
        switch plan.tokenizer {
        case .copied(let model): return "files copied from \(plan.modelNames[model])"
        case .built: return "files written for the output vocabulary" + template
        case .retemplated(let model, _, _):
            let donor = plan.modelNames[model]
            return "files of \(donor) written again" + template
        case .none(let reason): return "none: \(reason)"
        }
    }

    /// How an aligned tensor's rows are made, for its line in the text.
    static func rowsDescription(_ rows: EmbeddingRowPlan) -> String {
        let summary = rows.summary
        let parts = [
            (summary.rowsFromEveryModel, "from every model"), (summary.copiedRows, "copied"), (summary.meanRows, "mean"),
            (summary.zeroRows, "zero"), (summary.paddingRows, "padding"),
        ].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        return "rows: " + parts.joined(separator: ", ")
    }

    var vocabularyJSON: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        if let vocabulary = plan.vocabulary {
            let blocks: [JSONValue] = vocabulary.rowBlocks.map { block in
                let origin: (String, JSONValue)
                switch block.origin {
                case .model(let model): origin = ("model", .string(plan.modelNames[model]))
                case .noModel: origin = ("model", .null)
                case .padding: origin = ("padding", .bool(true))
                }
                return .members([("first", .integer(block.rows.lowerBound)), ("count", .integer(block.rows.count)), origin])
            }
            members.append(("vocabulary", .members([
                ("source", .string(vocabulary.source.text)),
                ("tokens", .integer(vocabulary.plan.tokenCount)),
                ("rows", .integer(vocabulary.plan.rowCount)),
                ("blocks", .array(blocks)),
            ])))
        }
        var tokenizer: [(String, JSONValue)]
        switch plan.tokenizer {
        case .copied(let model): tokenizer = [("files", "copied"), ("model", .string(plan.modelNames[model]))]
        case .built(_, let template): tokenizer = [("files", "built"), ("chat_template", template.map(JSONValue.string) ?? .null)]
        case .retemplated(_, _, let template): tokenizer = [("files", "retemplated"), ("chat_template", .string(template))]
        case .none(let reason): tokenizer = [("files", "none"), ("reason", .string(reason))]
        }
        members.append(("tokenizer", .members(tokenizer)))
        return members
    }

    static func rowsJSON(_ rows: EmbeddingRowPlan) -> JSONValue {
        let summary = rows.summary
        return .members([
            ("tokens", .integer(summary.tokenCount)), ("from_every_model", .integer(summary.rowsFromEveryModel)),
            ("copied", .integer(summary.copiedRows)), ("mean", .integer(summary.meanRows)), ("zero", .integer(summary.zeroRows)),
            ("padding", .integer(summary.paddingRows)),
        ])
    }
}
