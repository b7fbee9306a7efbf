/// Byte counts and rates for people: decimal units (kB, MB, as the engine writes them), three
/// significant digits.
enum ByteFormat {
    static func describe(_ bytes: Int) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        let digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
        return "\(rounded(value, digits)) \(units[unit])"
    }

    private static func rounded(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (value * scale).rounded()
        let whole = Int(scaled / scale)
        guard digits > 0 else { return String(whole) }
        let fraction = Int(scaled) - whole * Int(scale)
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }
}
