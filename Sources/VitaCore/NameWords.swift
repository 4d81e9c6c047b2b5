import Foundation

/// How a learner's name is cut into the words a search by name matches, and a search into the prefixes it looks for:
/// both sides go through ``words(of:)``, so "José O'Neil-Smith" is found by "jose", "ONEIL" or "smi".
///
/// A word is a run of letters and digits after folding case, diacritics and width (`É` → `e`, `ｆ` → `f`) and writing
/// the letters that have no decomposition as their base letters (`ø` → `o`, `ł` → `l`, `æ` → `ae`, `ß` → `ss`);
/// apostrophes and full stops join the letters around them (`O'Neil` → `oneil`, `St.John` → `stjohn`), every other
/// character separates. Words are cut to ``maximumLength`` characters.
public enum NameWords {
    /// The longest word kept, in characters.
    public static let maximumLength = 64
    /// The most words a search may have.
    public static let maximumSearchWords = 5

    /// The distinct words of `text`, in their order of first appearance.
    public static func words(of text: String) -> [String] {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .lowercased()
        var joined = ""
        joined.reserveCapacity(folded.utf8.count)
        for character in folded where !joiners.contains(character) {
            if let base = baseLetters[character] { joined += base } else { joined.append(character) }
        }
        var seen = Set<String>()
        return joined.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).compactMap { word in
            let kept = String(word.prefix(maximumLength))
            return seen.insert(kept).inserted ? kept : nil
        }
    }

    /// The words a learner with `name` is found by: those of the display, given and family names.
    public static func words(of name: Learner.Name) -> [String] {
        words(of: [name.display, name.given, name.family].compactMap { $0 }.joined(separator: " "))
    }

    /// Letters that are not a base letter with a combining mark, so diacritic folding leaves them, written as the
    /// letters people type for them on a keyboard without them ("Søren" is found by "soren", "Łukasz" by "lukasz").
    private static let baseLetters: [Character: String] = [
        "ł": "l", "ŀ": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŧ": "t",
        "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th",
    ]

    /// Characters that join the letters on either side instead of separating them.
    private static let joiners: Set<Character> = ["'", "\u{2019}", "\u{02BC}", "."]
}
