import Foundation
import Journal

// journal-crash-writer PATH COUNT CONCURRENCY
//
// Appends COUNT entries (keys "crash-N") from CONCURRENCY tasks and prints "ACK <sequence>
// <key>" on stdout after each append returns, with one write(2) per line so a line exists
// only for an acknowledged entry. The crash test kills it with SIGKILL midway.
let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[2]), let concurrency = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: journal-crash-writer PATH COUNT CONCURRENCY\n".utf8))
    exit(2)
}
let store = try SQLiteJournalStore(path: arguments[1], durability: .full)
let first = try await store.lastSequence
try await withThrowingTaskGroup(of: Void.self) { group in
    for worker in 0..<concurrency {
        group.addTask {
            for index in stride(from: worker, to: count, by: concurrency) {
                let key = "crash-\(index)"
                let entry = NewJournalEntry(
                    key: key, kind: "trader.open", receivedMs: Int64(index),
                    input: Array("input \(index)".utf8), outcome: Array("outcome \(index)".utf8))
                let result = try await store.append(entry)
                let line = Array("ACK \(result.sequence) \(key)\n".utf8)
                _ = line.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            }
        }
    }
    try await group.waitForAll()
}
try await store.close()
FileHandle.standardError.write(Data("done after sequence \(first)\n".utf8))
