extension QRCode {
    /// The symbol as a standalone SVG image, with a light quiet zone of four modules on every side
    /// (ISO/IEC 18004:2015, 6.3.7).
    ///
    /// The dark modules form a single `<path>`, one rectangle per horizontal run of dark modules, on a light
    /// background `<rect>`; `shape-rendering="crispEdges"` keeps module edges sharp. The image has the ARIA role
    /// `img` and `title` as its `<title>` (its accessible name), escaped for XML. There are no scripts and no
    /// `style` attributes, so a Content-Security-Policy needs no exceptions for it.
    ///
    /// - Parameters:
    ///   - title: The accessible name, e.g. "QR code for the share link".
    ///   - modulePixels: The width and height attributes are the symbol's size in modules times this; the
    ///     `viewBox` is in modules, so the image scales cleanly to any size.
    public func svg(title: String, modulePixels: Int = 4) -> String {
        let quietZone = 4
        let side = size + 2 * quietZone
        let pixels = side * max(1, modulePixels)
        var path = ""
        for row in 0..<size {
            var column = 0
            while column < size {
                guard self[row, column] else {
                    column += 1
                    continue
                }
                let start = column
                while column < size, self[row, column] {
                    column += 1
                }
                path += "M\(start + quietZone) \(row + quietZone)h\(column - start)v1h-\(column - start)z"
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(side) \(side)\" width=\"\(pixels)\" "
            + "height=\"\(pixels)\" role=\"img\" shape-rendering=\"crispEdges\">"
            + "<title>\(Self.escapedForXML(title))</title>"
            + "<rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"/>"
            + "<path fill=\"#000\" d=\"\(path)\"/></svg>"
    }

    /// Text escaped for XML character data and attribute values.
    static func escapedForXML(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default:
                // Characters XML 1.0 does not allow (C0 controls other than tab, CR, LF) are dropped.
                if character.value >= 0x20 || character == "\t" || character == "\n" || character == "\r" {
                    result.unicodeScalars.append(character)
                }
            }
        }
        return result
    }
}
