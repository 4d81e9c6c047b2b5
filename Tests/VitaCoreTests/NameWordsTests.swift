import Testing
import VitaCore

struct NameWordsTests {
    @Test("a name's words are folded for case, accents and width, joined across apostrophes and full stops, split at anything else, each once")
    func words() {
        #expect(NameWords.words(of: "José María O'Neil-Smith") == ["jose", "maria", "oneil", "smith"])
        #expect(NameWords.words(of: "ＡＤＡ  ada, Ada.") == ["ada"])
        #expect(NameWords.words(of: "St.John D’Arcy") == ["stjohn", "darcy"])
        #expect(NameWords.words(of: "Иван Петров 李小龍") == ["иван", "петров", "李小龍"])
        #expect(NameWords.words(of: " -- ").isEmpty)
        #expect(NameWords.words(of: String(repeating: "a", count: 100)) == [String(repeating: "a", count: NameWords.maximumLength)])
        #expect(NameWords.words(of: Learner.Name(given: "Ada", family: "King", display: "Ada Lovelace")) == ["ada", "lovelace", "king"])
    }

    @Test("letters diacritic folding leaves are written as the letters typed for them")
    func baseLetters() {
        #expect(NameWords.words(of: "Łukasz Søren Đức Ægir Þóra Straße Œuvre") == ["lukasz", "soren", "duc", "aegir", "thora", "strasse", "oeuvre"])
        #expect(NameWords.words(of: "BJØRN") == NameWords.words(of: "bjorn"))
        #expect(NameWords.words(of: "Ørsted-Ødegård") == ["orsted", "odegard"])
    }
}
