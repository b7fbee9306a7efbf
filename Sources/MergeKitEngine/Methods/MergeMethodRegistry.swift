/// Every merge method, in one literal list: the only place a method is registered.
public enum MergeMethodRegistry {
    public static let all: [any MergeMethod] = [
        LinearMerge(),
        TaskArithmeticMerge(),
        TIESMerge(),
        DARELinearMerge(),
        DARETIESMerge(),
        BreadcrumbsMerge(),
        BreadcrumbsTIESMerge(),
        DELLAMerge(),
        DELLALinearMerge(),
        MagnitudePruneMerge(),
        DAREMerge(),
        PassthroughMerge(),
        SLERPMerge(),
        NuSLERPMerge(),
        MultiSLERPMerge(),
        KarcherMerge(),
        ModelStockMerge(),
        SCEMerge(),
        NearSwapMerge(),
        ArceeFusionMerge(),
        RAMMerge(),
        RAMPlusTLMerge(),
    ]

    public static func method(named name: String) -> (any MergeMethod)? {
        all.first { $0.name == name }
    }

    public static var names: [String] { all.map(\.name) }
}
