/// Whether a parameter is set per source model (`models[].parameters`) or once per tensor.
public enum ParameterScope: Sendable, Equatable {
    case perModel
    case global
}
