/// Data analysis (ISO/IEC 18004:2015, 7.2) with mixed modes (7.4.7): the sequence of numeric, alphanumeric and
/// byte segments that encodes the content in the fewest bits, after the method of Annex J (optimisation of bit
/// stream length), computed exactly by dynamic programming rather than by Annex J's rules of thumb.
///
/// Every byte may go in any mode whose character set holds it (byte mode holds all). Changing mode costs a new
/// segment header — the 4-bit mode indicator and the character count indicator, whose length depends on the
/// version range (Table 3). Within a segment a digit costs 10/3 bits, an alphanumeric character 11/2 and a byte 8;
/// a segment's data rounds up to whole bits (a final one or two digits take 4 or 7 bits, a final single
/// alphanumeric character 6). Costs are kept in sixths of a bit so that both fractions are exact, and a segment's
/// cost is rounded up to whole bits where it ends.
enum Segmentation {
    /// The segments for content in a symbol of `version`, as `selection` asks.
    static func segments(for bytes: [UInt8], version: Int, selection: ModeSelection) -> [Segment] {
        switch selection {
        case .mixed: optimal(for: bytes, version: version)
        case .single: [singleMode(for: bytes)]
        }
    }

    /// One segment in the narrowest mode whose character set covers every byte — numeric, else alphanumeric,
    /// else byte (each set is a subset of the next and encodes more densely). Empty content is an empty byte
    /// segment.
    static func singleMode(for bytes: [UInt8]) -> Segment {
        if !bytes.isEmpty, bytes.allSatisfy({ DataMode.numeric.contains($0) }) {
            return Segment.numeric(bytes)
        }
        if !bytes.isEmpty, bytes.allSatisfy({ DataMode.alphanumeric.contains($0) }) {
            return Segment.alphanumeric(bytes)
        }
        return Segment.byte(bytes)
    }

    /// The fewest-bit segments for content in a symbol of `version`. Empty content is one empty byte segment.
    static func optimal(for bytes: [UInt8], version: Int) -> [Segment] {
        guard !bytes.isEmpty else { return [Segment.byte([])] }
        let modes = DataMode.allCases
        let headerSixths = modes.map { (4 + $0.characterCountBits(version: version)) * 6 }
        let characterSixths = modes.map { mode -> Int in
            switch mode {
            case .numeric: 20
            case .alphanumeric: 33
            case .byte: 48
            }
        }
        func wholeBits(_ sixths: Int) -> Int { (sixths + 5) / 6 * 6 }

        // cost[m]: the fewest sixths of a bit for the bytes so far with the last one in mode m (Int.max: impossible).
        // previous[i · 3 + m]: the mode of byte i − 1 on that cheapest path (−1 for the first byte).
        // The modes a byte's mode may follow, its own first, so that ties keep fewer segments.
        let predecessors = modes.indices.map { mode in [mode] + modes.indices.filter { $0 != mode } }
        var cost = [Int](repeating: Int.max, count: modes.count)
        var previous = [Int8](repeating: -1, count: bytes.count * modes.count)
        for (index, byte) in bytes.enumerated() {
            var next = [Int](repeating: Int.max, count: modes.count)
            for (mode, dataMode) in modes.enumerated() where dataMode.contains(byte) {
                if index == 0 {
                    next[mode] = headerSixths[mode] + characterSixths[mode]
                    continue
                }
                for before in predecessors[mode] where cost[before] != Int.max {
                    let candidate = (before == mode ? cost[before] : wholeBits(cost[before]) + headerSixths[mode])
                        + characterSixths[mode]
                    if candidate < next[mode] {
                        next[mode] = candidate
                        previous[index * modes.count + mode] = Int8(before)
                    }
                }
            }
            cost = next
        }

        // The cheapest final mode (the byte mode's cost is always finite), then the path back to the start.
        var mode = modes.count - 1
        for candidate in modes.indices where cost[candidate] != Int.max {
            if wholeBits(cost[candidate]) < wholeBits(cost[mode]) {
                mode = candidate
            }
        }
        var modeOfByte = [Int](repeating: mode, count: bytes.count)
        var index = bytes.count - 1
        while index > 0 {
            mode = Int(previous[index * modes.count + mode])
            index -= 1
            modeOfByte[index] = mode
        }

        var segments: [Segment] = []
        var start = 0
        for end in 1...bytes.count where end == bytes.count || modeOfByte[end] != modeOfByte[start] {
            segments.append(Segment.encoding(bytes[start..<end], in: modes[modeOfByte[start]]))
            start = end
        }
        return segments
    }
}
