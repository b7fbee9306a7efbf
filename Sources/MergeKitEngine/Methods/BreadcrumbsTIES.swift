/// `breadcrumbs_ties`: Model Breadcrumbs' sparsification, then TIES' sign consensus.
public struct BreadcrumbsTIESMerge: TaskArithmeticFamily {
    public let name = "breadcrumbs_ties"
    public let summary = "Breadcrumbs sparsification, then merges the entries agreeing with the elected sign."
    public let reference: String? = "https://arxiv.org/abs/2312.06795"
    let core = GeneralizedTaskArithmetic(sparsification: .breadcrumbs, usesConsensus: true, normalizesByDefault: false)

    public init() {}
}
