/// A piece of the input on its way through the pipeline: text not yet tokenized, or an added
/// token already recognised. `startsInput` says whether the piece begins at offset 0 of the
/// original text, which Metaspace's `prepend_scheme: first` asks.
struct TextPiece {
    var text: String
    var startsInput: Bool
    var token: Int?
}
