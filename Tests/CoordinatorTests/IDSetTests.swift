import Testing
@testable import Coordinator

/// The state's per-account id sets and the transaction's touched ids keep one id inline
/// (issue 13): they must behave as a set whatever their storage.
@Suite("IDSet")
struct IDSetTests {
    @Test("insert, remove and contains behave as a Set's, across one id inline and a table")
    func setBehaviour() {
        var s: IDSet = []
        var reference = Set<String>()
        // A walk that goes from empty to one id, to many, back down to one and to none.
        let steps: [(insert: Bool, id: String)] = [
            (true, "p-1"), (true, "p-1"), (false, "p-2"), (true, "p-2"), (true, "p-3"), (false, "p-1"),
            (false, "p-3"), (true, "p-2"), (false, "p-2"), (true, "p-9"), (false, "p-9"), (false, "p-9"),
        ]
        for step in steps {
            if step.insert { s.insert(step.id); reference.insert(step.id) } else { s.remove(step.id); reference.remove(step.id) }
            #expect(Set(s) == reference)
            #expect(s.count == reference.count && s.isEmpty == reference.isEmpty)
            for id in ["p-1", "p-2", "p-3", "p-9"] { #expect(s.contains(id) == reference.contains(id)) }
        }
    }

    @Test("equality is set equality: one id inline equals a table that shrank to it")
    func equality() {
        var shrunk: IDSet = ["a", "b"]
        shrunk.remove("b")
        #expect(shrunk == ["a"])
        var reserved = IDSet()
        reserved.reserveCapacity(100)
        reserved.insert("a")
        #expect(reserved == shrunk)
        #expect(IDSet(["a", "b"]) == ["b", "a"])
        #expect(IDSet(["a"]) != ["b"])
        #expect(IDSet() == [])
    }

    @Test("an account's ids with this input's: each once, in id order, the same as a union and a sort")
    func sortedUnion() {
        let cases: [(base: [String]?, touched: [String]?)] = [
            (nil, nil), ([], nil), (["p-10"], nil), (["p-10", "p-9"], nil), (nil, ["p-3"]), ([], ["p-3", "p-3"]),
            (["p-3"], ["p-3"]), (["p-3"], ["p-12"]), (["p-12", "p-3"], ["p-3", "p-100", "p-12"]), (nil, ["p-2", "p-11", "p-2"]),
            (["p-12", "p-3"], ["p-3", "p-12"]),
        ]
        for c in cases {
            let expected = Set((c.base ?? []) + (c.touched ?? [])).sorted(by: IDOrder.less)
            #expect(IDSet.sortedUnion(c.base.map(IDSet.init), c.touched.map(IDSet.init)) == expected, "\(c)")
        }
    }
}

private extension IDSet {
    init(_ ids: [String]) {
        self.init()
        for id in ids { insert(id) }
    }
}
