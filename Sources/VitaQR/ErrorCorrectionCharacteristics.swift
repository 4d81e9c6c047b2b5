/// The block structure of a symbol's codewords for one version and error correction level
/// (ISO/IEC 18004:2015, 7.5.1, Table 9).
///
/// Table 9 lists, per version and level, the error correction codewords per block and one or two groups of
/// blocks, the second group's blocks holding one more data codeword than the first's. This type stores the two
/// numbers that determine a row — error correction codewords per block and the number of blocks — and derives the
/// groups from the symbol's total codeword count (7.5.1, Table 1), exactly as the table lays them out.
struct ErrorCorrectionCharacteristics: Sendable, Equatable {
    /// Total codewords in the symbol (data and error correction).
    let totalCodewords: Int
    /// Error correction codewords in every block.
    let errorCorrectionCodewordsPerBlock: Int
    /// The number of blocks.
    let blockCount: Int

    init(version: Int, level: ErrorCorrectionLevel) {
        totalCodewords = SymbolGeometry.dataModuleCount(version: version) / 8
        errorCorrectionCodewordsPerBlock = Self.codewordsPerBlock[level.tableIndex][version - 1]
        blockCount = Self.blocks[level.tableIndex][version - 1]
    }

    /// Blocks in the first group (the shorter ones).
    var shortBlockCount: Int { blockCount - totalCodewords % blockCount }
    /// Data codewords in each block of the first group; second-group blocks hold one more.
    var shortBlockDataCodewords: Int { totalCodewords / blockCount - errorCorrectionCodewordsPerBlock }
    /// Data codewords in the whole symbol (Table 7).
    var dataCodewords: Int { totalCodewords - errorCorrectionCodewordsPerBlock * blockCount }

    /// Error correction codewords per block, by level (L, M, Q, H) and version 1–40 (Table 9).
    static let codewordsPerBlock: [[Int]] = [
        [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
         28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
         26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
         28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
         30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]

    /// Number of error correction blocks, by level (L, M, Q, H) and version 1–40 (Table 9).
    static let blocks: [[Int]] = [
        [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
         8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
         17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
         23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
         25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]
}
