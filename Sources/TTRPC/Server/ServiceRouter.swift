import Foundation

/// Finds the method for a `(service, method)` pair and runs it under the call's deadline.
struct ServiceRouter: Sendable {
    private let services: [String: ServiceDefinition]
    /// When set, calls other than health must carry it (``TTRPCToken``).
    private let requiredToken: String?
    /// ``TTRPCServerConfiguration/onInternalError``.
    private let onInternalError: (@Sendable (String, String) -> Void)?

    /// Registers `services` plus the health service (unless the caller brought their own).
    /// Duplicate names are a programming error, as in Go's `serviceSet.register`.
    init(services: [ServiceDefinition], requiredToken: String? = nil,
         onInternalError: (@Sendable (String, String) -> Void)? = nil) {
        self.requiredToken = requiredToken
        self.onInternalError = onInternalError
        var table: [String: ServiceDefinition] = [:]
        for service in services {
            precondition(table[service.name] == nil, "duplicate service \(service.name) registered")
            table[service.name] = service
        }
        if table[ServiceDefinition.healthServiceName] == nil {
            var names = Set(table.keys)
            names.insert(ServiceDefinition.healthServiceName)
            table[ServiceDefinition.healthServiceName] = .health(servingNames: names)
        }
        self.services = table
    }

    var serviceNames: [String] { services.keys.sorted() }

    /// Same messages as Go's `serviceSet.resolve`.
    func resolve(service: String, method: String) throws(TTRPCError) -> MethodHandler {
        guard let definition = services[service] else {
            throw TTRPCError(code: .unimplemented, message: "service \(service)")
        }
        guard let handler = definition.method(named: method) else {
            throw TTRPCError(code: .unimplemented, message: "method \(method)")
        }
        return handler
    }

    /// Runs the call and returns the final response; data frames of a streaming call go
    /// through `sendData` before it returns.
    ///
    /// The handler runs in a child task that is cancelled when the deadline passes, so a
    /// handler that honours cancellation stops working for a client that stopped waiting.
    func execute(
        service: String, method: String, payload: Data, context: CallContext,
        sendData: @escaping @Sendable (Data) async throws -> Void
    ) async -> Ttrpc_Response {
        var response = Ttrpc_Response()
        do {
            // Before resolving, so an unauthenticated peer learns nothing about the services.
            if let requiredToken, service != ServiceDefinition.healthServiceName,
                !TTRPCToken.isAuthorized(context.metadata, expected: requiredToken)
            {
                context.logger.info("ttrpc: refusing call without a valid token", metadata: ["ttrpc.peer": "\(context.peer)"])
                throw TTRPCError(code: .unauthenticated, message: "missing or invalid token")
            }
            let handler = try resolve(service: service, method: method)
            let body: @Sendable () async throws -> Data = {
                switch handler {
                case .unary(let run), .committing(let run):
                    return try await run(payload, context)
                case .serverStreaming(let run):
                    try await run(payload, context, sendData)
                    return Data()
                }
            }
            // No status field on success: Go's `status.FromError(nil)` is a nil *Status, so an OK
            // response is just the payload (checked byte for byte against Go in GoInteropTests).
            if case .committing = handler {
                response.payload = try await body()
            } else {
                response.payload = try await Self.withDeadline(context.deadline, body)
            }
        } catch {
            let expired = context.deadline.map { ContinuousClock.now >= $0 } ?? false
            let status = TTRPCError.from(error, deadlineExpired: expired)
            if status.code == .internal || status.code == .unknown {
                context.logger.error("ttrpc handler failed", metadata: [
                    "ttrpc.service": "\(service)", "ttrpc.method": "\(method)", "error": "\(error)",
                ])
                onInternalError?(service, method)
            }
            response.status = status.rpcStatus
        }
        return response
    }

    private struct DeadlineReached: Error {}

    private static func withDeadline(
        _ deadline: ContinuousClock.Instant?, _ body: @escaping @Sendable () async throws -> Data
    ) async throws -> Data {
        guard let deadline else { return try await body() }
        return try await withThrowingTaskGroup(of: Data.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                throw DeadlineReached()
            }
            defer { group.cancelAll() }
            do {
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            } catch is DeadlineReached {
                throw TTRPCError(code: .deadlineExceeded, message: "context deadline exceeded")
            }
        }
    }
}
