import Testing
import VitaIssuance

struct IssuanceCSVTests {
    @Test("a batch file's rows are read by the header's names; a line with the wrong field count or a NUL character is a bad line naming its number")
    func rowsAndBadLines() throws {
        let text = "achievement_id,learner_id,record_id\n"
            + "ach_1,lrn_1,rec_1\n"
            + "\"ach_2\",\" lrn_2 \",rec_2\n"
            + "ach_3,lrn_3\n"
            + "ach_4,lrn_\u{0}4,rec_4\n"
        let (rows, bad) = try IssuanceCSV.parse(Array(text.utf8))
        #expect(rows.map(\.learnerId) == ["lrn_1", " lrn_2 "])
        #expect(rows.map(\.achievementId) == ["ach_1", "ach_2"])
        #expect(bad.map(\.line) == [4, 5])
        #expect(bad.last?.reason == "the line holds the NUL character (U+0000)")
    }

    @Test("a file without the three columns, or not UTF-8, is refused as a whole")
    func refusedFiles() {
        #expect(throws: IssuanceError.self) { try IssuanceCSV.parse(Array("learner_id,record_id\nlrn_1,rec_1\n".utf8)) }
        #expect(throws: IssuanceError.self) { try IssuanceCSV.parse([0xFF, 0xFE, 0x0A]) }
    }
}
