import VitaJSON

extension CredentialError.Code {
    /// The bytes are not a PNG or SVG image, or not one that can be baked (e.g. the root element is not `<svg>`).
    public static let notAnImage = CredentialError.Code(rawValue: "not an image")
    /// The image ends before its structure does (a chunk runs past the end, no `IEND`, an unclosed element).
    public static let truncatedImage = CredentialError.Code(rawValue: "truncated image")
    /// The image's structure is broken (bad chunk length or type, no `IHDR` first, data after `IEND`, malformed XML).
    public static let corruptImage = CredentialError.Code(rawValue: "corrupt image")
    /// A PNG chunk's CRC-32 does not match its type and data.
    public static let checksumMismatch = CredentialError.Code(rawValue: "checksum mismatch")
    /// The image or the credential to bake is larger than ``BadgeBaking/Limits`` allow.
    public static let imageTooLarge = CredentialError.Code(rawValue: "image too large")
    /// The image carries no baked Open Badges 3.0 credential.
    public static let noBakedCredential = CredentialError.Code(rawValue: "no baked credential")
    /// The image carries a baked credential whose container or text is malformed.
    public static let corruptBakedCredential = CredentialError.Code(rawValue: "corrupt baked credential")
    /// The `openbadgecredential` iTXt chunk is compressed, which OB 3.0 forbids ("Compression MUST NOT be used").
    public static let compressedBakedCredential = CredentialError.Code(rawValue: "compressed baked credential")
    /// The image already carries a baked credential; OB 3.0 allows only one.
    public static let alreadyBaked = CredentialError.Code(rawValue: "already baked")
}

/// A credential as it is baked into an image: the JSON of a credential secured with an
/// embedded proof, or the Compact JWS of a VC-JWT (OB 3.0 §"Baked Badge").
public enum BakedCredential: Sendable, Hashable {
    /// A credential with an embedded proof (Data Integrity), baked as its JSON text.
    case json(JSONValue)
    /// A VC-JWT, baked as its Compact JWS string.
    case compactJWS(String)

    /// The text that goes into the image: compact JSON (numbers as written) or the JWS.
    public var text: String {
        switch self {
        case .json(let value): return value.serializedString()
        case .compactJWS(let jws): return jws
        }
    }
}

/// Open Badges 3.0 badge baking: embedding a credential in a PNG or SVG image and extracting it
/// (OB 3.0 §"Open Badges Document Formats" › "Baked Badge").
///
/// * PNG (§"PNG" › "Baking" / "Extracting"): one `iTXt` chunk with keyword `openbadgecredential`,
///   compression flag 0, empty language tag and translated keyword, the credential as text; inserted
///   just before `IEND`. Extraction reads the datastream up to the first such chunk.
///   See `PNGDatastream.swift`.
/// * SVG (§"SVG" › "Baking" / "Extracting"): `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`
///   on the `<svg>` root, and one `<openbadges:credential>` element directly after the root's start
///   tag: a VC-JWT in its `verify` attribute, JSON in `<![CDATA[…]]>`. Extraction reads up to the
///   first `credential` element in that namespace. See `SVGBaking.swift`.
///
/// Baking refuses an image that already carries a credential ("MUST NOT appear … more than once";
/// the spec lets the implementer choose between an error and overwriting). Every problem is a
/// ``CredentialError`` with a precise code (``CredentialError/Code/truncatedImage``,
/// ``CredentialError/Code/checksumMismatch``, ``CredentialError/Code/compressedBakedCredential``, …).
///
/// ```swift
/// let png = try BadgeBaking.bake(.json(signedCredential), intoPNG: imageBytes)
/// let svg = try BadgeBaking.bake(.compactJWS(jwt), intoSVG: svgBytes)
/// let (format, credential) = try BadgeBaking.unbake(uploadedBytes)   // PNG or SVG, detected
/// ```
public enum BadgeBaking {
    /// The image formats OB 3.0 defines baking for.
    public enum ImageFormat: String, Sendable, Hashable, CustomStringConvertible {
        /// Portable Network Graphics.
        case png
        /// Scalable Vector Graphics.
        case svg

        /// The format the bytes announce: PNG by its 8-byte signature, SVG when the first
        /// non-blank character (after an optional UTF-8 byte-order mark) is `<`. Nil otherwise.
        /// This is a sniff, not a validation: unbaking reports what is wrong with the image.
        public init?(sniffing bytes: [UInt8]) {
            if bytes.starts(with: PNGDatastream.signature) {
                self = .png
                return
            }
            guard let first = SVGBaking.firstSignificantByte(bytes), first == UInt8(ascii: "<") else { return nil }
            self = .svg
        }

        public var description: String { rawValue.uppercased() }
    }

    /// Size limits, so a hostile upload cannot make Vita allocate without bound.
    public struct Limits: Sendable, Hashable {
        /// The largest image accepted for baking or unbaking (default 32 MiB).
        public var maxImageBytes: Int
        /// The largest credential text baked or extracted (default 16 MiB, the VC-JWT limit).
        public var maxCredentialBytes: Int

        /// Limits; the defaults suit badge images.
        public init(maxImageBytes: Int = 32 << 20, maxCredentialBytes: Int = 16 << 20) {
            self.maxImageBytes = maxImageBytes
            self.maxCredentialBytes = maxCredentialBytes
        }
    }

    /// The PNG `iTXt` keyword (OB 3.0 §"PNG" › "Baking").
    public static let pngKeyword = "openbadgecredential"
    /// The XML namespace of the SVG `credential` element (OB 3.0 §"SVG" › "Baking").
    public static let svgNamespace = "https://purl.imsglobal.org/ob/v3p0"

    /// Bakes `credential` into a PNG: validates the datastream (signature, chunk layout, CRCs,
    /// `IHDR` first, `IEND` last), refuses one that already carries an `openbadgecredential`
    /// chunk, and inserts the `iTXt` chunk just before `IEND`. All other bytes are unchanged.
    public static func bake(_ credential: BakedCredential, intoPNG png: [UInt8], limits: Limits = Limits()) throws(CredentialError) -> [UInt8] {
        let text = try bakeableText(credential, limits: limits)
        return try PNGDatastream.bake(text: text, into: png, limits: limits)
    }

    /// Bakes `credential` into an SVG: adds the `openbadges` namespace declaration to the root
    /// (unless present) and an `<openbadges:credential>` element directly after the root's start
    /// tag — a VC-JWT in its `verify` attribute, JSON in a CDATA section (a `]]>` inside the JSON
    /// is split across two CDATA sections, so the element's text is exactly the JSON). Refuses an
    /// SVG that already carries a credential, or whose root binds `openbadges` to another namespace.
    public static func bake(_ credential: BakedCredential, intoSVG svg: [UInt8], limits: Limits = Limits()) throws(CredentialError) -> [UInt8] {
        let text = try bakeableText(credential, limits: limits)
        return try SVGBaking.bake(credential: credential, text: text, into: svg, limits: limits)
    }

    /// Bakes `credential` into a PNG or SVG, whichever `image` is.
    public static func bake(_ credential: BakedCredential, into image: [UInt8], limits: Limits = Limits()) throws(CredentialError) -> (format: ImageFormat, image: [UInt8]) {
        switch ImageFormat(sniffing: image) {
        case .png?: return (.png, try bake(credential, intoPNG: image, limits: limits))
        case .svg?: return (.svg, try bake(credential, intoSVG: image, limits: limits))
        case nil: throw CredentialError(.notAnImage, "the image is neither a PNG (no PNG signature) nor an SVG")
        }
    }

    /// Extracts the credential from the first `openbadgecredential` iTXt chunk of a PNG
    /// (chunks up to it are checked: layout and CRC).
    public static func unbake(png: [UInt8], limits: Limits = Limits()) throws(CredentialError) -> BakedCredential {
        try credential(fromText: PNGDatastream.extractText(from: png, limits: limits), in: .png, limits: limits)
    }

    /// Extracts the credential from the first `credential` element in the OB 3.0 namespace of
    /// an SVG: its `verify` attribute, else its text content (CDATA sections and character data).
    public static func unbake(svg: [UInt8], limits: Limits = Limits()) throws(CredentialError) -> BakedCredential {
        try credential(fromText: SVGBaking.extractText(from: svg, limits: limits), in: .svg, limits: limits)
    }

    /// Extracts the credential from a PNG or SVG, whichever `image` is.
    public static func unbake(_ image: [UInt8], limits: Limits = Limits()) throws(CredentialError) -> (format: ImageFormat, credential: BakedCredential) {
        switch ImageFormat(sniffing: image) {
        case .png?: return (.png, try unbake(png: image, limits: limits))
        case .svg?: return (.svg, try unbake(svg: image, limits: limits))
        case nil: throw CredentialError(.notAnImage, "the image is neither a PNG (no PNG signature) nor an SVG")
        }
    }

    // MARK: - Credential text

    /// The credential's text after checking it can be baked: a JSON object, or a Compact JWS.
    static func bakeableText(_ credential: BakedCredential, limits: Limits) throws(CredentialError) -> [UInt8] {
        let text: [UInt8]
        switch credential {
        case .json(let value):
            guard case .object = value else {
                throw CredentialError(.malformedDocument, "a baked credential must be a JSON object (found \(value.kindName))")
            }
            text = value.serialized()
        case .compactJWS(let jws):
            text = Array(jws.utf8)
            guard isCompactJWS(text[...]) else {
                throw CredentialError(.malformedDocument, "the VC-JWT to bake is not a Compact JWS (three base64url parts separated by dots)")
            }
        }
        guard text.count <= limits.maxCredentialBytes else {
            throw CredentialError(.imageTooLarge, "the credential is \(text.count) bytes; at most \(limits.maxCredentialBytes) are baked")
        }
        return text
    }

    /// The credential in an extracted text: JSON when it starts with `{` (after blanks), else a Compact JWS.
    static func credential(fromText text: [UInt8], in format: ImageFormat, limits: Limits) throws(CredentialError) -> BakedCredential {
        guard text.count <= limits.maxCredentialBytes else {
            throw CredentialError(.imageTooLarge, "the baked credential is \(text.count) bytes; at most \(limits.maxCredentialBytes) are read")
        }
        let blank: Set<UInt8> = [0x20, 0x09, 0x0a, 0x0d]
        guard let start = text.firstIndex(where: { !blank.contains($0) }),
              let end = text.lastIndex(where: { !blank.contains($0) }) else {
            throw CredentialError(.corruptBakedCredential, "the baked credential in the \(format) is empty")
        }
        let trimmed = text[start...end]
        if trimmed.first == UInt8(ascii: "{") {
            let value: JSONValue
            do { value = try JSONValue(parsing: trimmed) } catch {
                throw CredentialError(.corruptBakedCredential, "the baked credential in the \(format) is not valid JSON: \(error.reason)")
            }
            return .json(value)
        }
        guard isCompactJWS(trimmed) else {
            throw CredentialError(.corruptBakedCredential, "the baked credential in the \(format) is neither a JSON object nor a Compact JWS")
        }
        return .compactJWS(String(decoding: trimmed, as: UTF8.self))
    }

    /// OB 3.0 CompactJws: `^[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]+$`.
    static func isCompactJWS(_ text: ArraySlice<UInt8>) -> Bool {
        var parts = [0, 0, 0]
        var part = 0
        for c in text {
            switch c {
            case UInt8(ascii: "."):
                part += 1
                if part > 2 { return false }
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                parts[part] += 1
            default: return false
            }
        }
        return part == 2 && parts[0] > 0 && parts[2] > 0
    }
}
