import CopyTradeProto
import Foundation

/// What one watch stream reads: the history after its start, page by page from the journal
/// (outside the sequencer), then the events its ``WatchFeed`` receives as they commit; each
/// event once and in sequence order.
///
/// An event can be in the journal (so in the history) before its commit is published to the
/// feed, so only events after the highest one handed out go out.
public struct WatchCursor: Sendable {
    /// Events that may wait for a watch stream's reader by default (`--watch-buffer-events`);
    /// at ~165 bytes an event, about 2 MB per stuck watcher.
    public static let defaultBufferLimit = 10_000

    public let id: UUID
    let sequencer: Sequencer
    let account: String
    public let feed: WatchFeed
    /// The highest event sequence handed out (or the start).
    public private(set) var last: UInt64
    private var page: [Copytrade_V1_Event] = []
    private var pageIndex = 0
    private var historyDone = false
    private var morePages = true

    init(id: UUID, sequencer: Sequencer, account: String, after: UInt64, feed: WatchFeed) {
        self.id = id
        self.sequencer = sequencer
        self.account = account
        self.last = after
        self.feed = feed
    }

    /// The next event; nil when the feed has ended (``WatchFeed/end`` says why) or the task
    /// was cancelled.
    public mutating func next() async throws -> Copytrade_V1_Event? {
        while !historyDone {
            if pageIndex < page.count {
                let e = page[pageIndex]
                pageIndex += 1
                last = e.sequence
                return e
            }
            if feed.end == .fellBehind { return nil }
            guard morePages else {
                historyDone = true
                break
            }
            page = try await sequencer.history(account: account, afterEvent: last,
                                               limit: Sequencer.historyPageEntries, kindPrefix: "")
            pageIndex = 0
            // A short page: the journal held nothing more when it was read; later events
            // were committed after the feed was registered, so they come from the feed.
            morePages = page.count == Sequencer.historyPageEntries
        }
        page = []
        while let e = await feed.next() {
            if e.sequence > last {
                last = e.sequence
                return e
            }
        }
        return nil
    }
}
