import Foundation

extension ServiceDefinition {
    /// Name of the health service every ``TTRPCServer`` answers.
    public static let healthServiceName = "grpc.health.v1.Health"
    /// Name of the diagnostic echo service shared with the Go interop peer.
    public static let interopEchoServiceName = "ttrpc.interop.v1.Echo"

    /// `grpc.health.v1.Health/Check`: SERVING for "" and for every name in `servingNames`,
    /// SERVICE_UNKNOWN otherwise. Installed automatically by the server.
    static func health(servingNames: Set<String>) -> ServiceDefinition {
        health(servingNames: servingNames, isServing: { true })
    }

    /// The health service for a server whose ability to serve can change at run time: a known
    /// name answers SERVING while `isServing()` is true and NOT_SERVING once it is false (a
    /// coordinator whose journal failed, say). Register it among the server's services.
    public static func health(servingNames: Set<String>, isServing: @escaping @Sendable () async -> Bool) -> ServiceDefinition {
        var service = ServiceDefinition(name: healthServiceName)
        let names = servingNames.union([healthServiceName])
        service.unary("Check") {
            (request: Grpc_Health_V1_HealthCheckRequest, _: CallContext) -> Grpc_Health_V1_HealthCheckResponse in
            var response = Grpc_Health_V1_HealthCheckResponse()
            let known = request.service.isEmpty || names.contains(request.service)
            response.status = !known ? .serviceUnknown : (await isServing() ? .serving : .notServing)
            return response
        }
        return service
    }

    /// `ttrpc.interop.v1.Echo/Echo`, the diagnostic service both the Swift and Go peers expose.
    ///
    /// On `Payload.value`: `fail:CODE:MESSAGE` answers that status; `sleep:MS` waits (honouring
    /// cancellation and the deadline) then echoes; `metadata:KEY` answers the value of request
    /// metadata KEY (empty if absent); anything else is echoed unchanged.
    public static var interopEcho: ServiceDefinition {
        var service = ServiceDefinition(name: interopEchoServiceName)
        service.unary("Echo") {
            (request: Ttrpc_Interop_V1_Payload, context: CallContext) -> Ttrpc_Interop_V1_Payload in
            try await InteropEcho.answer(request, context: context)
        }
        return service
    }
}

/// The semantics of the interop echo method, kept apart so they can be tested without sockets.
enum InteropEcho {
    static func answer(_ request: Ttrpc_Interop_V1_Payload, context: CallContext) async throws
        -> Ttrpc_Interop_V1_Payload
    {
        guard let text = String(data: request.value, encoding: .utf8) else { return request }
        if text.hasPrefix("fail:") {
            let rest = text.dropFirst("fail:".count)
            let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let codeText = parts.first, let raw = Int32(codeText) else {
                throw TTRPCError(code: .invalidArgument, message: "fail: needs a numeric code")
            }
            let message = parts.count > 1 ? String(parts[1]) : ""
            throw TTRPCError(code: StatusCode(wireValue: raw), message: message)
        }
        if text.hasPrefix("sleep:") {
            guard let millis = Int(text.dropFirst("sleep:".count)), millis >= 0 else {
                throw TTRPCError(code: .invalidArgument, message: "sleep: needs milliseconds")
            }
            try await Task.sleep(for: .milliseconds(millis))
            return request
        }
        if text.hasPrefix("metadata:") {
            let key = String(text.dropFirst("metadata:".count))
            var response = Ttrpc_Interop_V1_Payload()
            response.value = Data((context.metadata[key] ?? "").utf8)
            return response
        }
        return request
    }
}
