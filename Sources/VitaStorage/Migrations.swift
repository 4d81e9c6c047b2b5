import Foundation
import SQLKit
import VitaCore

/// Versioned schema migrations. Each runs once, in order, in its own transaction; `vita migrate` and
/// `vita serve` apply the pending ones. Two processes migrating at once serialise on the migrations table lock.
public enum Migrations {
    /// A schema step.
    struct Migration: Sendable {
        let version: Int
        let name: String
        let statements: [String]
        /// Work after the statements that SQL alone cannot do alike on both engines (filling a new column from the JSON
        /// bodies), in the same transaction.
        var backfill: (@Sendable (StoreTransaction) async throws -> Void)? = nil
    }

    /// All migrations, oldest first. Append only: a released migration never changes.
    static let all: [Migration] = [
        Migration(version: 1, name: "learner record store", statements: [
            """
            CREATE TABLE organizations (
              id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, identifiers TEXT NOT NULL,
              created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE connected_systems (
              id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), name TEXT NOT NULL,
              kind TEXT NOT NULL, key_hash TEXT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT)
            """,
            """
            CREATE TABLE admin_keys (
              id TEXT PRIMARY KEY, key_hash TEXT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT)
            """,
            """
            CREATE TABLE agreements (
              id TEXT PRIMARY KEY, provider_organization_id TEXT NOT NULL REFERENCES organizations(id),
              consumer_system_id TEXT NOT NULL REFERENCES connected_systems(id), categories TEXT NOT NULL,
              permissions TEXT NOT NULL, purpose TEXT NOT NULL, valid_from BIGINT NOT NULL, valid_until BIGINT,
              consent_required INTEGER NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL,
              created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX agreements_consumer ON agreements (consumer_system_id)",
            """
            CREATE TABLE learners (
              id TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT, created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL, erasure TEXT)
            """,
            """
            CREATE TABLE learner_versions (
              learner_id TEXT NOT NULL REFERENCES learners(id), version INTEGER NOT NULL, body TEXT,
              recorded_at BIGINT NOT NULL, PRIMARY KEY (learner_id, version))
            """,
            """
            CREATE TABLE consents (
              id TEXT PRIMARY KEY, learner_id TEXT NOT NULL REFERENCES learners(id),
              agreement_id TEXT NOT NULL REFERENCES agreements(id), granted_at BIGINT NOT NULL, withdrawn_at BIGINT)
            """,
            "CREATE INDEX consents_learner ON consents (learner_id)",
            """
            CREATE TABLE competencies (
              id TEXT PRIMARY KEY, organization_id TEXT REFERENCES organizations(id), body TEXT NOT NULL,
              created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE records (
              id TEXT NOT NULL, version INTEGER NOT NULL, learner_id TEXT NOT NULL REFERENCES learners(id),
              category TEXT NOT NULL, organization_id TEXT NOT NULL, body TEXT,
              system_id TEXT NOT NULL, source_record_id TEXT NOT NULL, raw_data_uri TEXT, raw_digest TEXT NOT NULL,
              asserted_at BIGINT NOT NULL, recorded_at BIGINT NOT NULL, deletion TEXT, is_current INTEGER NOT NULL,
              PRIMARY KEY (id, version))
            """,
            "CREATE INDEX records_learner ON records (learner_id, category, is_current)",
            """
            CREATE TABLE record_sources (
              system_id TEXT NOT NULL, source_record_id TEXT NOT NULL, record_id TEXT NOT NULL,
              PRIMARY KEY (system_id, source_record_id))
            """,
            """
            CREATE TABLE audit_entries (
              sequence BIGINT PRIMARY KEY, occurred_at BIGINT NOT NULL, actor_kind TEXT NOT NULL, actor_id TEXT NOT NULL,
              action TEXT NOT NULL, learner_id TEXT, categories TEXT NOT NULL, agreement_id TEXT, outcome TEXT NOT NULL,
              reason TEXT, previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
            """,
            "CREATE INDEX audit_entries_learner ON audit_entries (learner_id, sequence)",
            "CREATE TABLE audit_head (id INTEGER PRIMARY KEY, sequence BIGINT NOT NULL, hash TEXT NOT NULL)",
            "INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')",
            """
            CREATE TABLE idempotency_keys (
              principal TEXT NOT NULL, idempotency_key TEXT NOT NULL, request_digest TEXT NOT NULL,
              status INTEGER NOT NULL, location TEXT, body TEXT NOT NULL, created_at BIGINT NOT NULL,
              PRIMARY KEY (principal, idempotency_key))
            """,
        ]),
        Migration(version: 2, name: "issuer keys", statements: [
            """
            CREATE TABLE issuer_keys (
              id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), body TEXT NOT NULL,
              sealed_private TEXT NOT NULL, created_at BIGINT NOT NULL, retired_at BIGINT)
            """,
            "CREATE INDEX issuer_keys_organization ON issuer_keys (organization_id, created_at)",
        ]),
        Migration(version: 3, name: "achievements and issued credentials", statements: [
            """
            CREATE TABLE achievements (
              id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), body TEXT NOT NULL,
              created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE issued_credentials (
              id TEXT PRIMARY KEY, credential_id TEXT NOT NULL UNIQUE, learner_id TEXT NOT NULL REFERENCES learners(id),
              record_id TEXT NOT NULL, organization_id TEXT NOT NULL, achievement_id TEXT NOT NULL,
              body TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX issued_credentials_learner ON issued_credentials (learner_id, id)",
        ]),
        Migration(version: 4, name: "status lists and key algorithms", statements: [
            // One current key per organization and algorithm (Ed25519 for Data Integrity, P-256 / RSA for VC-JWT).
            "ALTER TABLE issuer_keys ADD COLUMN algorithm TEXT NOT NULL DEFAULT 'Ed25519'",
            """
            CREATE TABLE status_lists (
              id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), issuer TEXT NOT NULL,
              purpose TEXT NOT NULL, url TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, permutation_key TEXT NOT NULL,
              allocated INTEGER NOT NULL, encoded_list TEXT NOT NULL, credential TEXT NOT NULL, is_open INTEGER NOT NULL,
              created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX status_lists_open ON status_lists (organization_id, issuer, purpose, is_open)",
            // The primary key makes the database itself refuse a second credential on an index: never reused.
            """
            CREATE TABLE credential_status (
              list_id TEXT NOT NULL REFERENCES status_lists(id), status_index INTEGER NOT NULL,
              credential_id TEXT NOT NULL, organization_id TEXT NOT NULL, purpose TEXT NOT NULL, is_set INTEGER NOT NULL,
              reason TEXT, updated_at BIGINT NOT NULL, PRIMARY KEY (list_id, status_index),
              UNIQUE (credential_id, purpose))
            """,
        ]),
        Migration(version: 5, name: "issued comprehensive learner records and issuance provenance", statements: [
            """
            CREATE TABLE issued_clrs (
              id TEXT PRIMARY KEY, credential_id TEXT NOT NULL UNIQUE, learner_id TEXT NOT NULL REFERENCES learners(id),
              organization_id TEXT NOT NULL REFERENCES organizations(id), body TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX issued_clrs_learner ON issued_clrs (learner_id, id)",
            // Provenance of an issued credential: who had it issued, and the digest of what was issued.
            "ALTER TABLE issued_credentials ADD COLUMN issued_by TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE issued_credentials ADD COLUMN digest TEXT NOT NULL DEFAULT ''",
        ]),
        Migration(version: 6, name: "oauth authorization server and learner accounts", statements: [
            """
            CREATE TABLE learner_accounts (
              id TEXT PRIMARY KEY, learner_id TEXT NOT NULL UNIQUE REFERENCES learners(id), login TEXT NOT NULL UNIQUE,
              password_hash TEXT NOT NULL, failed_attempts INTEGER NOT NULL, locked_until BIGINT,
              created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE oauth_clients (
              id TEXT PRIMARY KEY, metadata TEXT NOT NULL, secret_hash TEXT NOT NULL,
              system_id TEXT REFERENCES connected_systems(id), created_at BIGINT NOT NULL, revoked_at BIGINT)
            """,
            """
            CREATE TABLE oauth_pending_authorizations (
              id TEXT PRIMARY KEY, csrf_hash TEXT NOT NULL, client_id TEXT NOT NULL REFERENCES oauth_clients(id),
              redirect_uri TEXT NOT NULL, scope TEXT NOT NULL, state TEXT NOT NULL, code_challenge TEXT NOT NULL,
              expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE oauth_codes (
              code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL REFERENCES oauth_clients(id),
              learner_id TEXT NOT NULL REFERENCES learners(id), redirect_uri TEXT NOT NULL, scope TEXT NOT NULL,
              code_challenge TEXT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT, family_id TEXT,
              created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE oauth_tokens (
              token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, client_id TEXT NOT NULL REFERENCES oauth_clients(id),
              learner_id TEXT REFERENCES learners(id), system_id TEXT REFERENCES connected_systems(id),
              scope TEXT NOT NULL, family_id TEXT NOT NULL, expires_at BIGINT NOT NULL, revoked_at BIGINT,
              created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX oauth_tokens_family ON oauth_tokens (family_id)",
            "CREATE INDEX oauth_tokens_learner_client ON oauth_tokens (learner_id, client_id)",
            """
            CREATE TABLE oauth_approvals (
              id TEXT PRIMARY KEY, learner_id TEXT NOT NULL REFERENCES learners(id),
              client_id TEXT NOT NULL REFERENCES oauth_clients(id), scope TEXT NOT NULL, granted_at BIGINT NOT NULL,
              revoked_at BIGINT)
            """,
            "CREATE INDEX oauth_approvals_learner ON oauth_approvals (learner_id, client_id)",
        ]),
        Migration(version: 7, name: "credentials learners hold", statements: [
            // Credentials a learner holds that Vita did not issue: pushed by a client through the 1EdTech APIs
            // (upsertCredential), received in a transfer, or imported. One row per credential identity (issuer id and
            // credential id, compared as the 1EdTech equality rule says); a newer version replaces the row.
            """
            CREATE TABLE held_credentials (
              id TEXT PRIMARY KEY, learner_id TEXT NOT NULL REFERENCES learners(id), service TEXT NOT NULL,
              format TEXT NOT NULL, issuer_key TEXT NOT NULL, credential_key TEXT NOT NULL, valid_from TEXT,
              document TEXT NOT NULL, digest TEXT NOT NULL, source_kind TEXT NOT NULL, source_id TEXT NOT NULL,
              received_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX held_credentials_identity ON held_credentials (learner_id, service, issuer_key, credential_key)",
            // The learner's profile as a 1EdTech client last put it (putProfile), per service.
            """
            CREATE TABLE learner_service_profiles (
              learner_id TEXT NOT NULL REFERENCES learners(id), service TEXT NOT NULL, document TEXT NOT NULL,
              updated_at BIGINT NOT NULL, PRIMARY KEY (learner_id, service))
            """,
        ]),
        Migration(version: 8, name: "peer vitas", statements: [
            // Other organizations' Vitas this Vita pulls learner records from (docs/TRANSFER.md); the client secret
            // is sealed with the KeyVault, because it must be presented to the peer.
            """
            CREATE TABLE peers (
              id TEXT PRIMARY KEY, system_id TEXT NOT NULL UNIQUE REFERENCES connected_systems(id),
              organization_id TEXT NOT NULL REFERENCES organizations(id), name TEXT NOT NULL, base_url TEXT NOT NULL,
              client_id TEXT NOT NULL, sealed_secret TEXT NOT NULL, scope TEXT, created_at BIGINT NOT NULL,
              revoked_at BIGINT)
            """,
        ]),
        Migration(version: 10, name: "connections to other platforms", statements: [
            // Vita as a client of other platforms' 1EdTech APIs: one registration per platform (its discovery URL),
            // and per learner a connection holding the learner's authorization. Secrets and tokens are sealed.
            """
            CREATE TABLE platform_registrations (
              id TEXT PRIMARY KEY, discovery_url TEXT NOT NULL UNIQUE, service TEXT NOT NULL, api_base TEXT NOT NULL,
              authorization_url TEXT NOT NULL, token_url TEXT NOT NULL, client_id TEXT NOT NULL,
              sealed_secret TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE platform_connections (
              id TEXT PRIMARY KEY, learner_id TEXT NOT NULL REFERENCES learners(id),
              registration_id TEXT NOT NULL REFERENCES platform_registrations(id), status TEXT NOT NULL,
              state_hash TEXT, sealed_verifier TEXT, sealed_access TEXT, sealed_refresh TEXT, access_expires_at BIGINT,
              scope TEXT NOT NULL, reason TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX platform_connections_learner ON platform_connections (learner_id, id)",
            "CREATE UNIQUE INDEX platform_connections_state ON platform_connections (state_hash)",
        ]),
        Migration(version: 12, name: "wallet: collections, share links, erasure requests", statements: [
            """
            CREATE TABLE collections (
              id TEXT PRIMARY KEY, learner_id TEXT NOT NULL REFERENCES learners(id), name TEXT NOT NULL, statement TEXT,
              items TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX collections_learner ON collections (learner_id, id)",
            // A share link's token is stored as SHA-256, its passcode as a scrypt hash; openings are kept for the learner.
            """
            CREATE TABLE share_links (
              id TEXT PRIMARY KEY, learner_id TEXT NOT NULL REFERENCES learners(id), target TEXT NOT NULL,
              token_hash TEXT NOT NULL UNIQUE, passcode_hash TEXT, failed_attempts INTEGER NOT NULL, expires_at BIGINT NOT NULL,
              revoked_at BIGINT, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX share_links_learner ON share_links (learner_id, id)",
            """
            CREATE TABLE share_openings (
              id TEXT PRIMARY KEY, share_id TEXT NOT NULL REFERENCES share_links(id), outcome TEXT NOT NULL,
              opened_at BIGINT NOT NULL)
            """,
            "CREATE INDEX share_openings_share ON share_openings (share_id, id)",
            """
            CREATE TABLE erasure_requests (
              id TEXT PRIMARY KEY, learner_id TEXT NOT NULL REFERENCES learners(id), reason TEXT, status TEXT NOT NULL,
              requested_at BIGINT NOT NULL, handled_at BIGINT)
            """,
        ]),
        Migration(version: 13, name: "computed profiles kept for reads", statements: [
            // Every record write moves a learner's generation on and drops the kept profiles; a read that computes a
            // profile keeps it only if the generation it read from is still current (docs/PERFORMANCE.md).
            """
            CREATE TABLE profile_generations (
              learner_id TEXT PRIMARY KEY REFERENCES learners(id), generation BIGINT NOT NULL)
            """,
            "INSERT INTO profile_generations (learner_id, generation) SELECT id, 0 FROM learners",
            """
            CREATE TABLE learner_profiles (
              learner_id TEXT NOT NULL REFERENCES learners(id), scope TEXT NOT NULL, generation BIGINT NOT NULL,
              reference_date TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (learner_id, scope))
            """,
        ]),
        Migration(version: 14, name: "organizations holding learners", statements: [
            // Which organizations hold a learner: those that asserted a record about them or whose system registered
            // them. A system reaches a learner as a whole only through an agreement with one of these providers.
            """
            CREATE TABLE learner_holders (
              learner_id TEXT NOT NULL REFERENCES learners(id), organization_id TEXT NOT NULL,
              PRIMARY KEY (learner_id, organization_id))
            """,
            "INSERT INTO learner_holders (learner_id, organization_id) SELECT DISTINCT learner_id, organization_id FROM records",
        ]),
        Migration(version: 15, name: "web sessions", statements: [
            // A signed-in browser: the SHA-256 of its cookie's secret, who it is (a learner, or staff added later),
            // and its two deadlines (idle and absolute, the earlier of which is `expires_at`). Any node answers any
            // session, and signing out everywhere deletes the subject's rows.
            """
            CREATE TABLE web_sessions (
              id_hash TEXT PRIMARY KEY, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, created_at BIGINT NOT NULL,
              last_seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)
            """,
            "CREATE INDEX web_sessions_subject ON web_sessions (subject_kind, subject_id)",
        ]),
        Migration(version: 16, name: "staff accounts and bulk issuance jobs", statements: [
            // An organization's staff member of the issuer console: a login (unique across Vita), a scrypt password
            // hash, a role (admin, issuer, auditor), the lockout counters of sign-in, and when it was disabled.
            """
            CREATE TABLE staff_accounts (
              id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), login TEXT NOT NULL UNIQUE,
              display_name TEXT NOT NULL, password_hash TEXT NOT NULL, role TEXT NOT NULL,
              failed_attempts INTEGER NOT NULL, locked_until BIGINT, disabled_at BIGINT, created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX staff_accounts_organization ON staff_accounts (organization_id, id)",
            // A bulk issuance from a CSV upload and each of its rows: any node answers its progress and report, and a
            // row is issued in the transaction that marks it issued, so a resumed job never issues a row twice.
            """
            CREATE TABLE issuance_jobs (
              id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), created_by TEXT NOT NULL,
              file_name TEXT NOT NULL, total_rows INTEGER NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
              finished_at BIGINT)
            """,
            "CREATE INDEX issuance_jobs_organization ON issuance_jobs (organization_id, id)",
            """
            CREATE TABLE issuance_job_rows (
              job_id TEXT NOT NULL REFERENCES issuance_jobs(id), line INTEGER NOT NULL, learner_id TEXT NOT NULL,
              record_id TEXT NOT NULL, achievement_id TEXT NOT NULL, status TEXT NOT NULL, credential_id TEXT,
              reason TEXT, PRIMARY KEY (job_id, line))
            """,
            "CREATE INDEX issuance_job_rows_status ON issuance_job_rows (job_id, status, line)",
        ]),
        Migration(version: 17, name: "consents by agreement", statements: [
            // The consents given to one agreement, in the order they were given (the console's agreement page).
            "CREATE INDEX consents_agreement ON consents (agreement_id, id)",
        ]),
        // Every access decision reads a system's agreements and a learner's consents in id order: indexed in that
        // order, neither read sorts (SQLite built a temporary B-tree for each).
        Migration(version: 18, name: "agreements and consents in id order", statements: [
            "CREATE INDEX agreements_consumer_id ON agreements (consumer_system_id, id)",
            "DROP INDEX agreements_consumer",
            "CREATE INDEX consents_learner_id ON consents (learner_id, id)",
            "DROP INDEX consents_learner",
        ]),
        // Every node looks for stalled bulk issuance jobs now and then: only the unfinished ones are indexed.
        Migration(version: 19, name: "unfinished issuance jobs", statements: [
            "CREATE INDEX issuance_jobs_unfinished ON issuance_jobs (updated_at) WHERE finished_at IS NULL",
        ]),
        // A connected system's key rotation: the key it replaced keeps working until `previous_key_until`.
        Migration(version: 20, name: "system key rotation", statements: [
            "ALTER TABLE connected_systems ADD COLUMN previous_key_hash TEXT",
            "ALTER TABLE connected_systems ADD COLUMN previous_key_until BIGINT",
        ]),
        // Audit archives: the oldest entries moved to a file (`vita audit archive`), each archive's checkpoint kept
        // here so the entries still stored verify from where it ends. `first_sequence` is unique so that of two
        // archives started at once from the same checkpoint only one commits.
        Migration(version: 21, name: "audit archives", statements: [
            """
            CREATE TABLE audit_archives (
              last_sequence BIGINT PRIMARY KEY, first_sequence BIGINT NOT NULL UNIQUE, last_hash TEXT NOT NULL,
              digest TEXT NOT NULL, cut_off BIGINT NOT NULL, archived_at BIGINT NOT NULL)
            """,
        ]),
        // Idempotency keys expire: stored responses are purged by age, and those about a learner go with the learner's
        // erasure.
        Migration(version: 22, name: "idempotency retention", statements: [
            "ALTER TABLE idempotency_keys ADD COLUMN learner_id TEXT",
            "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
            "CREATE INDEX idempotency_keys_learner ON idempotency_keys (learner_id) WHERE learner_id IS NOT NULL",
        ]),
        // xAPI statements name a competency by its CASE item URI (the activity's IRI): looked up by an index.
        Migration(version: 23, name: "competencies by CASE item", statements: [
            "ALTER TABLE competencies ADD COLUMN case_item_uri TEXT",
            "CREATE INDEX competencies_case_item ON competencies (case_item_uri, id) WHERE case_item_uri IS NOT NULL",
        ], backfill: { tx in try await tx.fillCompetencyCaseItems() }),
        // OpenID4VCI credential offers a learner makes to a wallet app: the pre-authorized code and the access token
        // it is exchanged for are stored as SHA-256, the transaction code as a scrypt hash; the code is exchanged once.
        Migration(version: 24, name: "credential offers", statements: [
            """
            CREATE TABLE credential_offers (
              id TEXT PRIMARY KEY, learner_id TEXT NOT NULL REFERENCES learners(id), credential_id TEXT NOT NULL,
              configuration_id TEXT NOT NULL, code_hash TEXT NOT NULL UNIQUE, tx_code_hash TEXT,
              failed_attempts INTEGER NOT NULL, token_hash TEXT UNIQUE, token_expires_at BIGINT, redeemed_at BIGINT,
              delivered_at BIGINT, wallet_event TEXT, wallet_event_at BIGINT, expires_at BIGINT NOT NULL,
              withdrawn_at BIGINT, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX credential_offers_learner ON credential_offers (learner_id, id)",
        ]),
        // An offer goes to a wallet app by OpenID4VCI or by a VC-API exchange (Learner Credential Wallet).
        Migration(version: 25, name: "credential offer protocols", statements: [
            "ALTER TABLE credential_offers ADD COLUMN protocol TEXT NOT NULL DEFAULT 'oid4vci'",
        ]),
        // A verifier's request for credentials from a wallet app (a VC-API exchange): the secrets of its exchange URL and
        // of the page that shows the answer are stored as SHA-256; what the wallet presented, with its verification
        // report, is kept until the request is purged (an hour after it was made).
        Migration(version: 26, name: "presentation requests", statements: [
            """
            CREATE TABLE presentation_requests (
              id TEXT PRIMARY KEY, view_hash TEXT NOT NULL UNIQUE, exchange_hash TEXT NOT NULL UNIQUE,
              challenge TEXT NOT NULL, credential_type TEXT NOT NULL, reason TEXT NOT NULL, result TEXT,
              received_at BIGINT, expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX presentation_requests_created ON presentation_requests (created_at)",
        ]),
        // A verifier's request goes to a wallet app by a VC-API exchange or by OpenID4VP (docs/WALLET-APPS.md).
        Migration(version: 27, name: "presentation request protocols", statements: [
            "ALTER TABLE presentation_requests ADD COLUMN protocol TEXT NOT NULL DEFAULT 'vcapi'",
        ]),
        // xAPI voiding: the statements each system voided (a voided statement sent again records nothing), and the
        // records a statement wrote, found by the statement's raw data URI.
        Migration(version: 28, name: "xapi voided statements", statements: [
            """
            CREATE TABLE xapi_voided_statements (
              system_id TEXT NOT NULL, statement_uri TEXT NOT NULL, voided_at BIGINT NOT NULL,
              PRIMARY KEY (system_id, statement_uri))
            """,
            "CREATE INDEX records_raw_data ON records (system_id, raw_data_uri) WHERE raw_data_uri IS NOT NULL",
        ]),
        // Learners' holder keys: what Vita's wallet signs their presentations to verifiers with (sealed like issuer keys).
        Migration(version: 29, name: "holder keys", statements: [
            """
            CREATE TABLE holder_keys (
              id TEXT PRIMARY KEY, learner_id TEXT NOT NULL UNIQUE REFERENCES learners(id),
              public_key_multibase TEXT NOT NULL, sealed_private TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
        ]),
        // Competency frameworks imported from CASE packages (docs/CASE.md): one per organization and CFDocument; their
        // items are competencies that name the framework.
        Migration(version: 30, name: "competency frameworks", statements: [
            """
            CREATE TABLE competency_frameworks (
              id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id),
              case_identifier TEXT NOT NULL, body TEXT NOT NULL, version INTEGER NOT NULL, created_at BIGINT NOT NULL,
              UNIQUE (organization_id, case_identifier))
            """,
            "ALTER TABLE competencies ADD COLUMN framework_id TEXT REFERENCES competency_frameworks(id)",
            "CREATE INDEX competencies_framework ON competencies (framework_id, id) WHERE framework_id IS NOT NULL",
        ]),
        // An item's code (`humanCodingScheme`) names it to people: the console aligns achievements by code.
        Migration(version: 31, name: "competencies by code", statements: [
            "ALTER TABLE competencies ADD COLUMN code TEXT",
            "CREATE INDEX competencies_code ON competencies (code, id) WHERE code IS NOT NULL",
        ], backfill: { tx in try await tx.fillCompetencyCodes() }),
        // The change feed (docs/CHANGES.md): every record version and erasure in commit order, numbered by a counter
        // in the row every writer locks.
        Migration(version: 32, name: "record change feed", statements: [
            """
            CREATE TABLE record_changes (
              sequence BIGINT PRIMARY KEY, kind TEXT NOT NULL, record_id TEXT NOT NULL, version INTEGER NOT NULL,
              learner_id TEXT NOT NULL, category TEXT NOT NULL, organization_id TEXT NOT NULL, changed_at BIGINT NOT NULL)
            """,
            "ALTER TABLE audit_head ADD COLUMN record_change_sequence BIGINT NOT NULL DEFAULT 0",
        ], backfill: { tx in try await tx.fillRecordChanges() }),
        // Change notifications (docs/CHANGES.md): where to tell a connected system that changes are waiting, with the
        // secret that signs the posts (sealed), how far it has been told and when to try next.
        Migration(version: 33, name: "change notifications", statements: [
            """
            CREATE TABLE change_notifications (
              system_id TEXT PRIMARY KEY REFERENCES connected_systems(id), url TEXT NOT NULL, sealed_secret TEXT NOT NULL,
              created_at BIGINT NOT NULL, notified_through BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,
              failures INTEGER NOT NULL, last_status INTEGER, last_error TEXT, last_delivered_at BIGINT)
            """,
            "CREATE INDEX change_notifications_due ON change_notifications (next_attempt_at)",
        ]),
        // Versions of the definitions an administrator corrects (organizations, connected systems, achievements,
        // competencies), so that an update names the version it changes (If-Match) and a concurrent one fails.
        Migration(version: 34, name: "versions of definitions", statements: [
            "ALTER TABLE organizations ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE connected_systems ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE achievements ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE competencies ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        ]),
        // What an organization's credentials say of it besides its name (OB 3.0 / CLR 2.0 issuer Profile): website,
        // email, description and logo.
        Migration(version: 35, name: "organization profiles", statements: [
            "ALTER TABLE organizations ADD COLUMN url TEXT",
            "ALTER TABLE organizations ADD COLUMN email TEXT",
            "ALTER TABLE organizations ADD COLUMN description TEXT",
            "ALTER TABLE organizations ADD COLUMN image TEXT",
        ]),
        // Learners by their identifiers (an email address, a student number, …), for looking a learner up: the value
        // lowercased, so that an email address is found however it is capitalised. Filled from the learners' bodies;
        // an erased learner has none.
        Migration(version: 36, name: "learner identifiers", statements: [
            """
            CREATE TABLE learner_identifiers (
              value_key TEXT NOT NULL, scheme TEXT NOT NULL, learner_id TEXT NOT NULL REFERENCES learners(id),
              PRIMARY KEY (value_key, scheme, learner_id))
            """,
            "CREATE INDEX learner_identifiers_learner ON learner_identifiers (learner_id)",
        ], backfill: { tx in
            try await forEachPageOfLearners(tx) { try await tx.indexIdentifiers(of: $0) }
        }),
        // The learners an organization holds, in creation order, for its staff's list of them.
        Migration(version: 37, name: "learners by holder", statements: [
            "CREATE INDEX learner_holders_organization ON learner_holders (organization_id, learner_id)",
        ]),
        // Learners by the words of their names (``NameWords``: case, diacritics and width folded), for finding a learner
        // by name. A search is a range of words (a prefix), so the column compares bytes on both engines: SQLite's
        // default; PostgreSQL's collation "C" (a database's own may order otherwise). Filled from the learners' bodies;
        // an erased learner has none.
        Migration(version: 38, name: "learner names", statements: [], backfill: { tx in
            let collation = tx.engine == .postgres ? #" COLLATE "C""# : ""
            try await tx.db.raw("""
                CREATE TABLE learner_name_words (
                  word TEXT\(unsafeRaw: collation) NOT NULL, learner_id TEXT NOT NULL REFERENCES learners(id),
                  PRIMARY KEY (word, learner_id))
                """).run()
            try await tx.db.raw("CREATE INDEX learner_name_words_learner ON learner_name_words (learner_id, word)").run()
            try await forEachPageOfLearners(tx) { try await tx.indexNames(of: $0) }
        }),
        // ``NameWords`` now writes letters with no decomposition as their base letters (ø → o, ł → l, æ → ae): the
        // words of every learner are made again, so a learner stored before is found the way a new one is.
        Migration(version: 39, name: "learner names refolded", statements: ["DELETE FROM learner_name_words"], backfill: { tx in
            try await forEachPageOfLearners(tx) { try await tx.indexNames(of: $0) }
        }),
    ]

    /// Calls `body` with every stored learner, a thousand at a time in creation order (a backfill of an index).
    private static func forEachPageOfLearners(_ tx: StoreTransaction, _ body: ([Learner]) async throws -> Void) async throws {
        var cursor: String?
        repeat {
            let page = try await tx.learners(after: cursor, limit: 1000)
            try await body(page.items)
            cursor = page.nextCursor
        } while cursor != nil
    }

    /// Every schema version this build knows, oldest first (numbers may skip: a version is taken when a branch
    /// starts a migration, and one given up is never reused).
    public static var versions: [Int] { all.map(\.version) }

    /// The newest schema version this build knows.
    public static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies every pending migration and returns the versions applied.
    @discardableResult
    public static func run(on database: VitaDatabase) async throws -> [Int] {
        if database.engine == .sqlite {
            // Write-ahead logging lets readers (another `vita` process, a backup) work while one writer commits.
            // The mode is stored in the file, so setting it once here covers every later connection.
            try await database.withConnection { try await $0.raw("PRAGMA journal_mode = WAL").run() }
        }
        try await database.transaction { tx in
            if tx.engine == .postgres {
                // Two nodes starting on an empty database must not race to create the table.
                try await tx.db.raw("SELECT pg_advisory_xact_lock(2997)").run()
            }
            try await tx.db.raw("""
                CREATE TABLE IF NOT EXISTS vita_migrations (
                  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """).run()
        }
        var applied: [Int] = []
        for migration in all {
            let done = try await database.transaction { tx in
                if tx.engine == .postgres {
                    try await tx.db.raw("LOCK TABLE vita_migrations IN EXCLUSIVE MODE").run()
                }
                let existing = try await tx.db.raw("SELECT version FROM vita_migrations WHERE version = \(bind: migration.version)").all()
                if !existing.isEmpty { return false }
                for statement in migration.statements {
                    try await tx.db.raw(SQLQueryString(statement)).run()
                }
                try await migration.backfill?(tx)
                try await tx.db.raw("""
                    INSERT INTO vita_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Int64(Date().timeIntervalSince1970 * 1000)))
                    """).run()
                return true
            }
            if done { applied.append(migration.version) }
        }
        let newest = try await database.withConnection { db in
            try await db.raw("SELECT MAX(version) AS version FROM vita_migrations").first()?.decode(column: "version", as: Int?.self)
        }
        if let newest, newest > latestVersion {
            throw StorageError(.schemaTooNew, "the database schema is version \(newest); this Vita knows up to \(latestVersion)")
        }
        return applied
    }
}
