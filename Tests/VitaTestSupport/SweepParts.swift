/// The longest tests (the hostile-input sweeps, the access-control matrix) cut their items into parts, each run on a
/// database of its own, so that the parts run side by side instead of one test holding the run's tail.
public enum SweepParts {
    /// How many parts a sweep is cut into.
    public static let count = 4

    /// The parts, as a parameterized test's arguments.
    public static var all: Range<Int> { 0 ..< count }

    /// Whether the item at `index` of a sweep belongs to `part`.
    public static func includes(_ index: Int, in part: Int) -> Bool { index % count == part }
}
