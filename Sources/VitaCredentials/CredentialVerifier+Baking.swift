extension CredentialVerifier {
    /// Verifies the credential baked into a PNG or SVG (OB 3.0 §"Baked Badge" › "Extracting"):
    /// a JSON credential with ``verify(_:)``, a VC-JWT with ``verify(jwt:knownKeys:)``. The
    /// `format` check names the container ("baked PNG: …" / "baked SVG: …"); an image without a
    /// credential, or with a corrupt one, fails `format` with the ``BadgeBaking`` error.
    public func verify(bakedImage image: [UInt8], format: BadgeBaking.ImageFormat, knownKeys: [VCJWTKnownKey] = []) async -> VerificationReport {
        let label = "baked \(format)"
        let credential: BakedCredential
        do {
            switch format {
            case .png: credential = try BadgeBaking.unbake(png: image)
            case .svg: credential = try BadgeBaking.unbake(svg: image)
            }
        } catch {
            return VerificationReport(checks: [.init("format", .fail, "\(label): \(error.reason)")])
        }
        var report: VerificationReport
        let container: String
        switch credential {
        case .json(let value):
            report = await verify(value)
            container = format == .png ? "iTXt openbadgecredential, JSON" : "<openbadges:credential> CDATA, JSON"
        case .compactJWS(let jws):
            report = await verify(jwt: jws, knownKeys: knownKeys)
            container = format == .png ? "iTXt openbadgecredential, VC-JWT" : "<openbadges:credential verify>, VC-JWT"
        }
        report.checks = report.checks.map { check in
            guard check.name == "format" else { return check }
            return .init("format", check.outcome, "\(label) (\(container)): \(check.message)")
        }
        return report
    }
}
