import Foundation
import Hummingbird
import VitaAPI
import VitaCredentials
import VitaJSON

/// `/verify`: anyone pastes or uploads a credential and reads the verdict, every check and the content.
///
/// The page asks the API layer's ``CredentialVerification`` (the function behind `POST /credentials/verify`) for the
/// report, so it judges exactly as the API does. Unusable input is answered on the page with a helpful message,
/// never an error page; credentials travel only in POST bodies, never in URLs.
struct VerifyPage: Sendable {
    let renderer: PageRenderer
    let csrf: CSRFProtection
    let verification: CredentialVerification
    /// The largest upload or pasted credential accepted.
    let maxUploadSize: Int

    var strings: WebStrings { renderer.strings }

    /// GET: the empty form.
    func show(_ request: Request) -> Response {
        render(request, values: [:])
    }

    /// POST: verify what was submitted.
    func submit(_ request: Request) async -> Response {
        let form: FormInput
        do {
            // Room for the form's other fields and the multipart framing beside the credential itself.
            form = try await FormInput.read(request, limit: maxUploadSize + 16 * 1024)
        } catch {
            return render(request, values: ["problem": ["message": strings["input.bad_form"]]], status: .badRequest)
        }
        if let size = form.oversizedBytes {
            return problem(request, strings.format("input.too_large", ["size": WebStrings.size(size), "limit": limitText]),
                           status: .contentTooLarge)
        }
        guard csrf.isValid(token: form.fields[CSRFProtection.fieldName], cookieHeader: request.headers[.cookie]) else {
            return renderer.message(title: strings["error.csrf_title"], message: strings["error.csrf"], status: .forbidden)
        }
        let pasted = (form.fields["credential"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let file = form.files["file"].flatMap { $0.bytes.isEmpty ? nil : $0 }
        if !pasted.isEmpty, file != nil { return problem(request, strings["input.both"], pasted: pasted) }
        // A share link someone sent (this Vita's `…/s/vsh_…`): to the share page, which verifies what was shared.
        if file == nil, let token = Self.shareToken(in: pasted) { return PageRenderer.redirect("/s/\(token)") }
        let bytes: [UInt8]
        if let file {
            bytes = file.bytes
        } else if !pasted.isEmpty {
            bytes = Array(pasted.utf8)
        } else {
            return problem(request, strings["input.empty"])
        }
        guard bytes.count <= maxUploadSize else {
            return problem(request, strings.format("input.too_large", ["size": WebStrings.size(bytes.count), "limit": limitText]),
                           status: .contentTooLarge)
        }
        if let message = inputProblem(bytes) { return problem(request, message, pasted: pasted) }

        let report = await verification.verify(.upload(bytes))
        let summary = VerdictSummary(report)
        if summary == .unreadable {
            let reason = report.checks(named: "format").first { $0.outcome == .fail }?.message ?? ""
            return problem(request, strings["verdict.unreadable"], reason: reason, pasted: pasted)
        }
        var result = VerdictSummary.values(for: report, strings: strings)
        if let credential = CredentialView.credential(in: bytes), credential.objectValue != nil {
            var content = CredentialView(strings: strings).values(for: credential)
            // A baked badge is itself the picture of the achievement: show the uploaded image when the credential
            // names none (as a data: URI, which the page's CSP allows; an <img> never runs an SVG's scripts).
            if var card = content["card"] as? [String: Any], card["image"] == nil, bytes.count <= 256 * 1024,
               let format = BadgeBaking.ImageFormat(sniffing: bytes) {
                let type = format == .png ? "image/png" : "image/svg+xml"
                let title = card["title"] as? String ?? ""
                card["image"] = ["src": "data:\(type);base64,\(Data(bytes).base64EncodedString())",
                                 "alt": strings.format("content.image_alt", ["name": title])]
                content["card"] = card
            }
            result["content"] = content
        }
        return render(request, values: ["result": result])
    }

    /// The token of a pasted share link (`https://host/s/vsh_…` or `/s/vsh_…`); only the token is used, so the page
    /// sends the browser to this Vita's own share page and nowhere else.
    static func shareToken(in text: String) -> String? {
        guard text.count < 300, !text.contains(where: \.isWhitespace),
              let range = text.range(of: "/s/vsh_", options: .backwards) else { return nil }
        let before = text[..<range.lowerBound]
        guard before.isEmpty || before.hasPrefix("http://") || before.hasPrefix("https://"),
              !before.dropFirst(8).contains("/") else { return nil }
        let token = String(text[text.index(range.lowerBound, offsetBy: 3)...])
        return SharePage.isToken(token) ? token : nil
    }

    /// A helpful message for input that cannot hold a credential, before verifying it.
    func inputProblem(_ bytes: [UInt8]) -> String? {
        if BadgeBaking.ImageFormat(sniffing: bytes) != nil {
            do {
                _ = try BadgeBaking.unbake(bytes)
            } catch where error.code == .noBakedCredential {
                return strings["input.no_baked_credential"]
            } catch {
                return nil  // a damaged image: the report's format check says what is wrong
            }
            return nil
        }
        guard let text = String(validating: bytes, as: UTF8.self)?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            return strings["input.not_text"]
        }
        if text.isEmpty { return strings["input.empty"] }
        if text.hasPrefix("{") || text.hasPrefix("\"") {
            do {
                _ = try JSONValue(parsing: text)
                return nil
            } catch {
                return strings["input.not_credential"] + " " + strings.format("input.reason", ["reason": "not valid JSON (\(error.reason))"])
            }
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let base64URL = parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
        return parts.count == 3 && base64URL ? nil : strings["input.not_credential"]
    }

    var limitText: String { WebStrings.size(maxUploadSize) }

    func problem(_ request: Request, _ message: String, reason: String? = nil, pasted: String = "",
                 status: HTTPResponse.Status = .unprocessableContent) -> Response {
        var problem: [String: Any] = ["message": message]
        if let reason, !reason.isEmpty { problem["reason"] = strings.format("input.reason", ["reason": reason]) }
        var values: [String: Any] = ["problem": problem]
        if !pasted.isEmpty { values["pasted"] = String(pasted.prefix(200_000)) }
        return render(request, values: values, status: status)
    }

    func render(_ request: Request, values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var values = values
        values["title"] = strings["verify.title"]
        values["navVerify"] = true
        values["fileHint"] = strings.format("verify.file_hint", ["limit": limitText])
        return renderer.formPage("verify", values, request: request, csrf: csrf, status: status)
    }
}
