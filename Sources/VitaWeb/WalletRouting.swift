import Foundation
import Hummingbird
import VitaAPI

/// The routes of the wallet's pages (all behind a learner's web session: without one, to the sign-in page) and of the
/// public share page `/s/{token}`.
struct WalletRouting: Sendable {
    let screens: WalletScreens
    let share: SharePage
    let sessions: WebSessions
    let signInPages: SignInPages

    func register(on router: Router<VitaRequestContext>) {
        let base = screens
        let sharePage = share
        let sessions = sessions
        let signInPages = signInPages
        /// Runs `page` for the signed-in learner with the screens bound to the request, or sends the browser to sign
        /// in (dropping a stale cookie), to come back to the page asked for.
        @Sendable func signedIn(_ request: Request, _ context: VitaRequestContext,
                                _ page: @Sendable (WalletScreens, String) async -> Response) async throws -> Response {
            guard let session = try await sessions.current(request, .learner) else {
                return signInPages.toSignIn(returningFrom: request)
            }
            return await page(base.bound(to: context), session.subjectId)
        }
        @Sendable func parameter(_ context: VitaRequestContext, _ name: String) -> String {
            context.parameters.get(name) ?? ""
        }
        router.getAndHead("/wallet/records/:recordId") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.record(request, learnerId: learnerId, recordId: parameter(context, "recordId"))
            }
        }
        router.getAndHead("/wallet/credentials") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.credentialList(request, learnerId: learnerId)
            }
        }
        router.getAndHead("/wallet/credentials/:credentialId") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.credential(request, learnerId: learnerId, id: parameter(context, "credentialId"))
            }
        }
        router.getAndHead("/wallet/credentials/:credentialId/download/:format") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.download(request, learnerId: learnerId, id: parameter(context, "credentialId"),
                                       format: parameter(context, "format"))
            }
        }
        router.post("/wallet/credentials/:credentialId/offers") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.createOffer(request, learnerId: learnerId, id: parameter(context, "credentialId"))
            }
        }
        router.post("/wallet/credential-offers/:offerId/withdraw") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.withdrawOffer(request, learnerId: learnerId, id: parameter(context, "offerId"))
            }
        }
        router.getAndHead("/wallet/collections") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.collections(request, learnerId: learnerId)
            }
        }
        router.post("/wallet/collections") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.createCollection(request, learnerId: learnerId)
            }
        }
        router.getAndHead("/wallet/collections/:collectionId") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.collection(request, learnerId: learnerId, id: parameter(context, "collectionId"))
            }
        }
        router.getAndHead("/wallet/collections/:collectionId/edit") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.editCollection(request, learnerId: learnerId, id: parameter(context, "collectionId"))
            }
        }
        router.post("/wallet/collections/:collectionId") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.updateCollection(request, learnerId: learnerId, id: parameter(context, "collectionId"))
            }
        }
        router.post("/wallet/collections/:collectionId/delete") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.deleteCollection(request, learnerId: learnerId, id: parameter(context, "collectionId"))
            }
        }
        router.post("/wallet/shares") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.createShare(request, learnerId: learnerId)
            }
        }
        router.post("/wallet/shares/:shareId/revoke") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.revokeShare(request, learnerId: learnerId, id: parameter(context, "shareId"))
            }
        }
        router.getAndHead("/wallet/receive") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.receive(request, learnerId: learnerId)
            }
        }
        router.post("/wallet/receive") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.claimOffer(request, learnerId: learnerId)
            }
        }
        router.getAndHead("/wallet/present") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.present(request, learnerId: learnerId)
            }
        }
        router.post("/wallet/present") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.answerPresentationRequest(request, learnerId: learnerId)
            }
        }
        router.getAndHead("/wallet/access") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.access(request, learnerId: learnerId)
            }
        }
        router.post("/wallet/consents/:consentId/withdraw") { request, context in
            try await signedIn(request, context) { screens, learnerId in await screens.withdraw(request, learnerId: learnerId, path: "/api/v1/me/consents", id: parameter(context, "consentId"),
                                       done: "consent_withdrawn")
            }
        }
        router.post("/wallet/approvals/:approvalId/revoke") { request, context in
            try await signedIn(request, context) { screens, learnerId in await screens.withdraw(request, learnerId: learnerId, path: "/api/v1/me/approvals", id: parameter(context, "approvalId"),
                                       done: "approval_revoked")
            }
        }
        router.getAndHead("/wallet/data") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                screens.data(request, learnerId: learnerId)
            }
        }
        router.post("/wallet/import") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.importCredential(request, learnerId: learnerId)
            }
        }
        router.getAndHead("/wallet/export") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.export(request, learnerId: learnerId)
            }
        }
        router.post("/wallet/erasure") { request, context in
            try await signedIn(request, context) { screens, learnerId in
                await screens.requestErasure(request, learnerId: learnerId)
            }
        }
        router.getAndHead("/s/:token") { request, context in
            await sharePage.bound(to: context).show(request, token: parameter(context, "token"))
        }
        router.post("/s/:token") { request, context in
            await sharePage.bound(to: context).submit(request, token: parameter(context, "token"))
        }
    }
}
