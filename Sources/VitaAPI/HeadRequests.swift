import Hummingbird

extension Response {
    /// This response as the answer to a `HEAD` request (RFC 9110 §9.3.2): the same status and headers — the length of
    /// the body GET sends stays in `Content-Length` — and no body. A body of unknown length is left without one.
    public func headAnswer() -> Response {
        var response = self
        response.body = ResponseBody(contentLength: body.contentLength) { writer in try await writer.finish(nil) }
        return response
    }
}

extension Router {
    /// Registers `handler` for `GET` on `path`, and for `HEAD` with the GET answer's status and headers and no body: a
    /// general-purpose server answers both (RFC 9110 §9.1), and link checkers and uptime monitors send `HEAD`.
    @discardableResult
    public func getAndHead(_ path: RouterPath,
                           use handler: @escaping @Sendable (Request, Context) async throws -> some ResponseGenerator) -> Self {
        get(path, use: handler)
        on(path, method: .head) { request, context in
            try await handler(request, context).response(from: request, context: context).headAnswer()
        }
        return self
    }
}
