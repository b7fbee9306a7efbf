/// What kind of value a parameter takes. It decides how a recipe list is read: numbers
/// interpolate as a gradient over the layers, string lists are the value itself, and booleans
/// and choices take the entry at the layer position (mergekit's rule for non-numeric lists).
public enum ParameterKind: Sendable, Equatable {
    case number
    case bool
    /// One of these words.
    case choice([String])
    /// A list of strings (e.g. regular expressions).
    case strings
}
