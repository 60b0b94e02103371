import Logging
import NIOCore

/// Stops accepting for a while after accept failed, on the listener's pipeline.
///
/// At the descriptor limit accept fails with EMFILE while the waiting connection keeps the
/// listening socket readable; NIO then keeps its read pending and retries at once, forever:
/// 100% CPU, and new clients time out (issue 10). NIO's `AcceptBackoffHandler` does not help
/// here: it delays the *next* `read` call, but after a failed accept NIO never makes one (the
/// read is still pending), so the loop spun with it installed. Turning `autoRead` off drops
/// the pending read and the socket's readable interest; turning it on again after the pause
/// accepts whatever waited in the backlog meanwhile.
final class AcceptPauseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let pause: TimeAmount
    private let pauseText: String
    private let log: RateLimitedLog
    private let logger: Logger
    private var resume: Scheduled<Void>?

    init(pause: Duration, log: RateLimitedLog, logger: Logger) {
        self.pause = TimeAmount(pause)
        self.pauseText = "\(pause)"
        self.log = log
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is IOError else {
            context.fireErrorCaught(error)
            return
        }
        log.record(logger, metadata: ["error": "\(error)", "pause": "\(pauseText)"])
        guard resume == nil, let options = context.channel.syncOptions else { return }
        do {
            try options.setOption(.autoRead, value: false)
        } catch {
            return  // closed meanwhile: nothing left to pause
        }
        let channel = context.channel
        resume = context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [weak self] in
            self?.resume = nil
            try? channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelResume()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelResume()
    }

    private func cancelResume() {
        resume?.cancel()
        resume = nil
    }
}
