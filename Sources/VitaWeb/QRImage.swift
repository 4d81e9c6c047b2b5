import Foundation

/// A QR code the API drew as SVG, shown on a page as an `<img>`: the SVG as a `data:` URL (the pages' content
/// security policy allows images from `data:` only), sized at three CSS pixels a module, quiet zone included, between
/// 200 and 400 pixels — so a dense code (an OpenID4VP request holds several hundred characters) keeps modules a phone
/// camera reads from a screen, and a short one is not blown up.
enum QRImage {
    /// The template values `src` and `size` of `svg`.
    static func values(svg: String) -> [String: Any] {
        ["src": "data:image/svg+xml;base64," + Data(svg.utf8).base64EncodedString(), "size": String(size(svg: svg))]
    }

    /// The side in CSS pixels: 3 per module of the SVG's view box (`viewBox="0 0 N N"`), within 200…400.
    static func size(svg: String) -> Int {
        guard let range = svg.range(of: "viewBox=\"0 0 "),
              let modules = Int(svg[range.upperBound...].prefix { $0.isNumber }) else { return 240 }
        return min(400, max(200, modules * 3))
    }
}
