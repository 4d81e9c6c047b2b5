/// The data codewords (7.4.10 padding included) and the final message codeword sequence
/// (ISO/IEC 18004:2015, 7.4.9, 7.4.10 and 7.6).
enum FinalMessage {
    /// The data codewords of the symbol: the segments' bits, the terminator (7.4.9: up to four 0 bits, fewer if
    /// the capacity ends sooner), zero bits to the next codeword boundary, then the pad codewords 11101100 and
    /// 00010001 alternately until the capacity is filled (7.4.10).
    static func dataCodewords(segments: [Segment], version: Int, capacity: Int) -> [UInt8] {
        var stream = BitStream()
        for segment in segments {
            stream.append(segment.mode.indicator, length: 4)
            stream.append(segment.characterCount, length: segment.mode.characterCountBits(version: version))
            stream.append(contentsOf: segment.data)
        }
        let capacityBits = capacity * 8
        stream.append(0, length: min(4, capacityBits - stream.count))
        var codewords = stream.codewords  // the partial last byte is filled with 0 bits
        var pad: UInt8 = 0xEC
        while codewords.count < capacity {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// Splits the data codewords into the blocks of Table 9, computes each block's error correction codewords
    /// (7.5.2) and interleaves them (7.6): the first data codeword of every block, then the second, …, the extra
    /// codeword of the longer blocks, then the error correction codewords the same way.
    static func interleaved(data: [UInt8], characteristics: ErrorCorrectionCharacteristics) -> [UInt8] {
        let generator = ReedSolomon.generatorPolynomial(degree: characteristics.errorCorrectionCodewordsPerBlock)
        var dataBlocks: [ArraySlice<UInt8>] = []
        var errorCorrectionBlocks: [[UInt8]] = []
        var start = 0
        for blockIndex in 0..<characteristics.blockCount {
            let length = characteristics.shortBlockDataCodewords
                + (blockIndex < characteristics.shortBlockCount ? 0 : 1)
            let block = data[start..<start + length]
            dataBlocks.append(block)
            errorCorrectionBlocks.append(ReedSolomon.errorCorrectionCodewords(for: Array(block), generator: generator))
            start += length
        }
        var result: [UInt8] = []
        result.reserveCapacity(characteristics.totalCodewords)
        for position in 0...characteristics.shortBlockDataCodewords {
            for block in dataBlocks where position < block.count {
                result.append(block[block.startIndex + position])
            }
        }
        for position in 0..<characteristics.errorCorrectionCodewordsPerBlock {
            for block in errorCorrectionBlocks {
                result.append(block[position])
            }
        }
        return result
    }
}
