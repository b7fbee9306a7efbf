/// `breadcrumbs`: Model Breadcrumbs (Davari & Belilovsky 2023): drop the γ fraction of largest
/// |τ| (outliers) and the smallest, keeping a density fraction in between; then task arithmetic.
public struct BreadcrumbsMerge: TaskArithmeticFamily {
    public let name = "breadcrumbs"
    public let summary = "Drops each task vector's largest outliers and smallest entries, and adds the rest."
    public let reference: String? = "https://arxiv.org/abs/2312.06795"
    let core = GeneralizedTaskArithmetic(sparsification: .breadcrumbs, usesConsensus: false, normalizesByDefault: false)

    public init() {}
}
