import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import TTRPC

/// The control service's `Watch`: the history after the requested sequence, then each event as
/// it commits, for as long as the client keeps up.
///
/// A client too slow to keep up (or one that never reads) is not followed forever and never
/// silently skipped: once more than `bufferLimit` events wait for it, its stream ends
/// RESOURCE_EXHAUSTED, "watch fell behind: resume with --after N", where N is the last event
/// handed to its connection, so `watch --after N` continues with every later event exactly once
/// (docs/decisions.md, "Coordinator").
enum WatchStreaming {
    static func serve(_ r: Copytrade_V1_WatchRequest, sequencer: Sequencer, bufferLimit: Int,
                      writer: ServerStreamWriter<Copytrade_V1_Event>, context: CallContext) async throws {
        try await sequencer.requireServing()
        let cursor = await sequencer.subscribe(account: r.accountID, afterEvent: r.afterSequence, bufferLimit: bufferLimit)
        let feed = cursor.feed
        // The pump writes one frame at a time and waits for each (a slow reader slows it); the
        // feed's end interrupts that wait, so a client that does not read cannot hold it.
        let pump = Task { try await pumpEvents(cursor, after: r.afterSequence, writer: writer) }
        feed.onEnd { pump.cancel() }
        let result = await withTaskCancellationHandler { await pump.result } onCancel: { pump.cancel() }
        await sequencer.unsubscribe(cursor.id)
        if case .failure(let error as FellBehind) = result {
            context.logger.warning("watch fell behind: ended", metadata: [
                "account": "\(r.accountID)", "resumeAfter": "\(error.resumeAfter)", "limit": "\(bufferLimit)",
            ])
            throw DomainError(.resourceExhausted, field: "",
                              "watch fell behind: resume with --after \(error.resumeAfter) (more than \(bufferLimit) events waited for this client)")
        }
        try result.get()
    }

    /// The feed fell behind; `resumeAfter` is the last event handed to the connection.
    struct FellBehind: Error {
        let resumeAfter: UInt64
    }

    /// Sends events until the feed ends; returns on a clean end (shutdown), throws
    /// ``FellBehind`` when the feed fell behind.
    private static func pumpEvents(_ start: WatchCursor, after: UInt64,
                                   writer: ServerStreamWriter<Copytrade_V1_Event>) async throws {
        var cursor = start
        var sent = after
        do {
            while let e = try await cursor.next() {
                if cursor.feed.end == .fellBehind { break }
                try await writer.send(e)
                // Handed to the connection whole (also when the wait was interrupted).
                sent = e.sequence
            }
        } catch {
            if cursor.feed.end != .fellBehind { throw error }
        }
        switch cursor.feed.end {
        case .fellBehind: throw FellBehind(resumeAfter: sent)
        case .finished: return
        case nil: throw CancellationError()
        }
    }
}
