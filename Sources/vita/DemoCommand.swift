import ArgumentParser
import Foundation
import VitaAPI
import VitaCore
import VitaIssuance
import VitaStorage

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Demonstration data.", subcommands: [Seed.self])

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create synthetic but realistic organizations, systems, agreements and learners with their paths.",
            discussion: """
                Prints, once, a JSON summary with an administrator key, a reader key (an advising portal that may read \
                every category of every organization) and a writer key (the university's SIS). The schools get an \
                Ed25519 signing key and an achievement for each credential they award; --issuance-csv writes one \
                learner_id,record_id,achievement_id row per credential record, ready for `vita issue --batch`.
                """)

        @Option(help: "How many learners.") var learners = 100
        @Option(help: "Random seed, for reproducible data.") var seed: UInt64 = 2997
        @Option(help: "Write a CSV of the credential records to issue badges for.") var issuanceCsv: String?
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await reportingFailures {
                guard (1...1_000_000).contains(learners) else { throw CommandFailure("--learners must be from 1 to 1000000") }
                let vault = try storage.keyVault()
                let summary = try await storage.withDatabase { database in
                    try await DemoSeeder(database: database, vault: vault, seed: seed)
                        .seed(learners: learners, issuanceCSV: issuanceCsv)
                }
                print(summary)
            }
        }
    }
}

/// SplitMix64: small, fast and reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Writes the demonstration data set.
struct DemoSeeder {
    let database: VitaDatabase
    let vault: KeyVault
    let seed: UInt64

    static let givenNames = ["Ada", "Grace", "Alan", "Katherine", "Tim", "Margaret", "Dorothy", "Claude", "Barbara", "Edsger",
                             "Frances", "John", "Radia", "Donald", "Hedy", "Ken", "Lynn", "Niklaus", "Shafi", "Whitfield"]
    static let familyNames = ["Lovelace", "Hopper", "Turing", "Johnson", "Berners-Lee", "Hamilton", "Vaughan", "Shannon",
                              "Liskov", "Dijkstra", "Allen", "Backus", "Perlman", "Knuth", "Lamarr", "Thompson", "Conway",
                              "Wirth", "Goldwasser", "Diffie"]
    static let courses = [("CS-101", "Introduction to Programming"), ("CS-201", "Data Structures"), ("CS-230", "Algorithms"),
                          ("MA-110", "Calculus I"), ("MA-220", "Linear Algebra"), ("ST-200", "Statistics"),
                          ("NU-101", "Foundations of Nursing"), ("NU-210", "Pharmacology"), ("EN-150", "Technical Writing"),
                          ("BU-120", "Principles of Management"), ("DS-310", "Machine Learning"), ("CS-340", "Databases")]
    static let skills = ["Programming", "Data analysis", "Written communication", "Teamwork", "Patient care", "Statistics",
                         "Project management", "Database design", "Critical thinking", "Cloud operations", "Security",
                         "Technical writing"]
    static let jobs = [("Software Developer", "15-1252"), ("Registered Nurse", "29-1141"), ("Data Scientist", "15-2051"),
                       ("Logistics Analyst", "13-1081"), ("Project Manager", "11-9199"), ("Technical Writer", "27-3042")]

    func seed(learners count: Int, issuanceCSV: String? = nil) async throws -> String {
        var random = SeededGenerator(state: seed)
        let now = Timestamp.truncated(Date())
        let cli = AuditEntry.Actor(kind: .cli, id: "cli")

        func organization(_ name: String, _ kind: Organization.Kind, _ identifiers: [Identifier],
                          url: String? = nil, description: String? = nil) -> Organization {
            Organization(id: EntityID.make("org", now: now), name: name, kind: kind, identifiers: identifiers, url: url,
                         description: description, createdAt: now)
        }
        let university = organization("Riverside University", .university,
                                      [Identifier(scheme: .ipeds, value: "123456"), Identifier(scheme: .domain, value: "riverside.example.edu")],
                                      url: "https://riverside.example.edu",
                                      description: "A public research university (a demonstration organization)")
        let college = organization("Lakeshore Community College", .school, [Identifier(scheme: .opeid, value: "00123400")])
        let institute = organization("Northwind Training Institute", .trainingProvider, [Identifier(scheme: .domain, value: "northwind.example")])
        let employers = ["Contoso Health", "Fabrikam Engineering", "Tailspin Logistics", "Adatum Software"].map {
            organization($0, .employer, [Identifier(scheme: .domain, value: $0.lowercased().replacingOccurrences(of: " ", with: "-") + ".example")])
        }
        let providers = [university, college, institute] + employers

        let adminId = EntityID.make("adm", now: now)
        let (adminKey, adminHash) = APIKeys.make(ownerId: adminId)
        let reader = ConnectedSystem(id: EntityID.make("sys", now: now), organizationId: university.id, name: "Advising Portal",
                                     kind: .other, createdAt: now)
        let (readerKey, readerHash) = APIKeys.make(ownerId: reader.id)
        // Each organization's own system, which maintains its records, and what the advising portal may read.
        var systems: [String: ConnectedSystem] = [:]
        var systemHashes: [(ConnectedSystem, String)] = []
        var agreements: [Agreement] = []
        var writerKey = ""
        for organization in providers {
            let employer = organization.kind == .employer
            let system = ConnectedSystem(id: EntityID.make("sys", now: now), organizationId: organization.id,
                                         name: employer ? "HR system" : "Student information system",
                                         kind: employer ? .hr : .sis, createdAt: now)
            let (key, hash) = APIKeys.make(ownerId: system.id)
            if organization.id == university.id { writerKey = key }
            systems[organization.id] = system
            systemHashes.append((system, hash))
            agreements.append(Agreement(id: EntityID.make("agr", now: now), providerOrganizationId: organization.id,
                                        consumerSystemId: system.id, categories: RecordCategory.stored,
                                        permissions: [.read, .write], purpose: "Own records, maintained by the source system",
                                        validFrom: now, validUntil: nil, consentRequired: false, status: .active,
                                        createdAt: now, updatedAt: now))
            agreements.append(Agreement(id: EntityID.make("agr", now: now), providerOrganizationId: organization.id,
                                        consumerSystemId: reader.id, categories: RecordCategory.allCases,
                                        permissions: [.read], purpose: "Academic and career advising",
                                        validFrom: now, validUntil: nil, consentRequired: false, status: .active,
                                        createdAt: now, updatedAt: now))
        }
        let competencies = Self.skills.map {
            Competency(id: EntityID.make("cmp", now: now), organizationId: university.id, name: $0,
                       framework: "Riverside Core Skills", createdAt: now)
        }
        try await database.transaction { [providers, systemHashes, agreements] tx in
            try await tx.insertAdminKey(id: adminId, keyHash: adminHash, at: now)
            for organization in providers { try await tx.insert(organization) }
            try await tx.insert(reader, keyHash: readerHash)
            for (system, hash) in systemHashes { try await tx.insert(system, keyHash: hash) }
            for agreement in agreements { try await tx.insert(agreement) }
            for competency in competencies { try await tx.insert(competency) }
            _ = try await tx.appendAudit(AuditEntry(occurredAt: now, actor: cli, action: "demo.seed", learnerId: nil,
                                                    categories: [], agreementId: nil, outcome: .allowed, reason: nil))
        }

        let schools = [university, college, institute]
        // The schools issue badges: each gets a signing key and an achievement per credential it awards.
        let issuer = CredentialIssuer(database: database, vault: vault, publicBaseURL: "http://127.0.0.1:8080")
        let achievements = try await database.transaction { [schools] tx -> [String: String] in
            var achievements: [String: String] = [:]  // "<organization>|<title>" → achievement id
            for school in schools {
                _ = try await issuer.createKey(tx, organizationId: school.id, type: .ed25519)
                let awarded = school.id == institute.id
                    ? [("BSc Applied Computing", "BachelorDegree"), ("Cloud Practitioner", "Certification")]
                    : [("BSc Applied Computing", "BachelorDegree")]
                for (title, type) in awarded {
                    let achievement = Achievement(
                        id: EntityID.make("ach", now: now), uri: "https://\(school.id).example/achievements/\(type.lowercased())",
                        organizationId: school.id, name: title, description: "\(title), awarded by \(school.name)",
                        criteriaNarrative: type == "Certification" ? "Pass the practitioner examination"
                            : "Complete 180 credits of the programme", achievementType: type, image: nil, alignments: [],
                        createdAt: now)
                    try await tx.insert(achievement)
                    achievements["\(school.id)|\(title)"] = achievement.id
                }
            }
            return achievements
        }
        var csv = "learner_id,record_id,achievement_id\n"
        var created = 0
        while created < count {
            let batch = min(200, count - created)
            var learners: [(Learner, [LearnerRecord])] = []
            for index in 0..<batch {
                learners.append(makeLearner(number: created + index, schools: schools, employers: employers, systems: systems,
                                            competencies: competencies, now: now, random: &random))
            }
            try await database.transaction { [learners] tx in
                try await tx.insertNew(learners.map(\.0))
                try await tx.insertNew(learners.flatMap(\.1))
                try await tx.appendAudit(learners.map { learner, _ in
                    AuditEntry(occurredAt: now, actor: cli, action: "demo.seed", learnerId: learner.id,
                               categories: RecordCategory.stored, agreementId: nil, outcome: .allowed, reason: nil)
                })
            }
            for (learner, records) in learners {
                for record in records {
                    guard case .credential(let credential)? = record.body,
                          let achievement = achievements["\(record.organizationId)|\(credential.title)"] else { continue }
                    csv += "\(learner.id),\(record.id),\(achievement)\n"
                }
            }
            created += batch
        }
        if let issuanceCSV, !FileManager.default.createFile(atPath: issuanceCSV, contents: Data(csv.utf8)) {
            throw CommandFailure("cannot write \(issuanceCSV)")
        }
        let summary: [String: Any] = ["adminKey": adminKey, "readerKey": readerKey, "writerKey": writerKey,
                                      "universityId": university.id, "learners": count]
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    private func makeLearner(number: Int, schools: [Organization], employers: [Organization],
                             systems: [String: ConnectedSystem], competencies: [Competency], now: Date,
                             random: inout SeededGenerator) -> (Learner, [LearnerRecord]) {
        let given = Self.givenNames.randomElement(using: &random)!
        let family = Self.familyNames.randomElement(using: &random)!
        let learner = Learner(id: EntityID.make("lrn", now: now), name: .init(given: given, family: family, display: "\(given) \(family)"),
                              identifiers: [Identifier(scheme: .institutional, value: "S-\(100000 + number)", issuer: schools[0].name),
                                            Identifier(scheme: .email, value: "\(given.lowercased()).\(number)@learner.example")],
                              birthDate: CalendarDate(year: Int.random(in: 1975...2006, using: &random),
                                                      month: Int.random(in: 1...12, using: &random),
                                                      day: Int.random(in: 1...28, using: &random)),
                              createdAt: now, updatedAt: now)
        var records: [LearnerRecord] = []
        func add(_ body: RecordBody, source: String) {
            let system = systems[body.organizationId]!
            let raw = try? body.encoded(with: JSONEncoder())
            records.append(LearnerRecord(id: EntityID.make("rec", now: now), learnerId: learner.id, category: body.category,
                                         organizationId: body.organizationId, version: 1, body: body,
                                         provenance: Provenance(systemId: system.id, sourceRecordId: "\(source)-\(number)",
                                                                rawDataURI: "\(system.kind.rawValue)://\(source)/\(number)",
                                                                rawDigest: ContentDigest.sha256(raw ?? Data()),
                                                                assertedAt: now, recordedAt: now)))
        }
        let startYear = Int.random(in: 2012...2022, using: &random)
        let school = schools[Int.random(in: 0..<schools.count, using: &random)]
        let finished = startYear + 4 <= 2025
        add(.affiliation(.init(organizationId: school.id, role: .student, title: "BSc Applied Computing",
                               startDate: CalendarDate(year: startYear, month: 9, day: 1),
                               endDate: finished ? CalendarDate(year: startYear + 4, month: 6, day: 30) : nil)), source: "enrolment")
        var experienceIds: [String] = []
        for (index, course) in Self.courses.shuffled(using: &random).prefix(Int.random(in: 5...10, using: &random)).enumerated() {
            let year = startYear + index / 3
            let completed = Int.random(in: 0..<10, using: &random) < 8
            add(.experience(.init(organizationId: school.id, kind: .course, title: course.1, code: course.0,
                                  startDate: CalendarDate(year: year, month: 9, day: 5),
                                  endDate: CalendarDate(year: year, month: 12, day: 15),
                                  status: completed ? .completed : .withdrawn,
                                  result: completed ? .init(grade: ["A", "A-", "B+", "B", "C"].randomElement(using: &random)) : nil,
                                  credits: 3, hours: 45)), source: "course-\(course.0)")
            experienceIds.append(records.last!.id)
        }
        for competency in competencies.shuffled(using: &random).prefix(Int.random(in: 3...6, using: &random)) {
            add(.competency(.init(competencyId: competency.id, organizationId: school.id,
                                  level: Double(Int.random(in: 1...5, using: &random)), levelMaximum: 5,
                                  evidence: [Evidence(url: "https://portfolio.example/\(number)/\(competency.name.lowercased().replacingOccurrences(of: " ", with: "-"))")],
                                  experienceId: experienceIds.randomElement(using: &random))), source: "assessment-\(competency.name)")
        }
        if finished {
            add(.credential(.init(organizationId: school.id, kind: .degree, title: "BSc Applied Computing",
                                  awardedDate: CalendarDate(year: startYear + 4, month: 6, day: 30)!)), source: "degree")
        }
        if Int.random(in: 0..<3, using: &random) == 0 {
            add(.credential(.init(organizationId: schools[2].id, kind: .certificate, title: "Cloud Practitioner",
                                  awardedDate: CalendarDate(year: startYear + 2, month: 3, day: 15)!,
                                  expiresDate: CalendarDate(year: startYear + 5, month: 3, day: 15))), source: "certificate")
        }
        var jobStart = startYear + 4
        for index in 0..<Int.random(in: 0...3, using: &random) where jobStart <= 2026 {
            let employer = employers.randomElement(using: &random)!
            let job = Self.jobs.randomElement(using: &random)!
            let length = Int.random(in: 1...3, using: &random)
            let ends = jobStart + length <= 2026
            add(.employment(.init(organizationId: employer.id, title: job.0, occupation: .init(system: .soc, code: job.1),
                                  startDate: CalendarDate(year: jobStart, month: 8, day: 1)!,
                                  endDate: ends ? CalendarDate(year: jobStart + length, month: 7, day: 31) : nil,
                                  hoursPerWeek: 40)), source: "employment-\(index)")
            jobStart += length
        }
        return (learner, records)
    }
}
