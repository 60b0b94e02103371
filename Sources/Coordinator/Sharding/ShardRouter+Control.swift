import CopyTradeCore
import CopyTradeProto
import Foundation
import SwiftProtobuf
import Synchronization
import TTRPC

extension ShardRouter {
    /// `copytrade.v1.Control` for a member: every method the one-process coordinator has,
    /// routed or fanned out (docs/sharding.md, "Routing").
    func controlService() -> ServiceDefinition {
        var s = ServiceDefinition(name: ServiceDefinition.controlName)
        let n = count
        func input<R: SwiftProtobuf.Message>(_ method: String, _ type: R.Type, _ wrap: @escaping @Sendable (inout Copytrade_V1_Input, R) -> Void) {
            s.rawCommittingUnary(method) { [self] payload, context in
                let shard = try ShardRouter.inputShard(payload, R.self, count: n, wrap)
                return try await call(shard, method, payload, context)
            }
        }
        input("CreateAccount", Copytrade_V1_CreateAccountRequest.self) { $0.createAccount = $1 }
        input("Deposit", Copytrade_V1_TransferRequest.self) { $0.deposit = $1 }
        input("Withdraw", Copytrade_V1_TransferRequest.self) { $0.withdraw = $1 }
        input("Follow", Copytrade_V1_FollowRequest.self) { $0.follow = $1 }
        input("Unfollow", Copytrade_V1_RelationRequest.self) { $0.unfollow = $1 }
        input("Pause", Copytrade_V1_RelationRequest.self) { $0.pause = $1 }
        input("Resume", Copytrade_V1_RelationRequest.self) { $0.resume = $1 }
        input("Open", Copytrade_V1_OpenRequest.self) { $0.open = $1 }
        input("Close", Copytrade_V1_CloseRequest.self) { $0.close = $1 }
        input("AdjustMargin", Copytrade_V1_AdjustMarginRequest.self) { $0.adjustMargin = $1 }
        input("PlaceOrder", Copytrade_V1_PlaceOrderRequest.self) { $0.placeOrder = $1 }
        input("CancelOrder", Copytrade_V1_CancelOrderRequest.self) { $0.cancelOrder = $1 }
        input("SetMark", Copytrade_V1_SetMarkPriceRequest.self) { $0.setMark = $1 }
        input("SetAutoMargin", Copytrade_V1_SetAutoMarginRequest.self) { $0.setAutoMargin = $1 }
        input("SetRollout", Copytrade_V1_SetRolloutRequest.self) { $0.setRollout = $1 }
        input("SetRelation", Copytrade_V1_SetRelationRequest.self) { $0.setRelation = $1 }
        input("SetAccount", Copytrade_V1_SetAccountRequest.self) { $0.setAccount = $1 }
        // A trader's relations live in their copiers' shards: every shard settles its own.
        s.rawCommittingUnary("Settle") { [self] payload, context in
            try await broadcast("Settle", Copytrade_V1_SettleRequest.self, payload, context) { $0.settle = $1 }
        }

        // One account: its shard.
        s.rawCommittingUnary("GetAccount") { [self] payload, context in
            let r = try Self.decode(Copytrade_V1_GetAccountRequest.self, payload)
            return try await call(ShardLayout.shard(of: r.accountID, count: n), "GetAccount", payload, context)
        }
        s.rawCommittingUnary("GetRollout") { [self] payload, context in
            try await call(ShardLayout.marketShard, "GetRollout", payload, context)
        }
        s.unary("Shards") { [self] (_: Copytrade_V1_ShardsRequest, _) in try await shards() }
        // The modules are this member's own (each member runs its own).
        s.unary("ListModules") { [self] (_: Copytrade_V1_ListModulesRequest, _) in await modules() }
        s.unary("SwapModule") { (_: Copytrade_V1_SwapModuleRequest, _) -> Copytrade_V1_ListModulesResponse in
            throw DomainError(.failedPrecondition, field: "module",
                              "modules are swapped per process in one-process mode; in a sharded cluster restart each member with the new routes")
        }

        // Everything: every shard's part, merged.
        s.rawCommittingUnary("Status") { [self] payload, context in
            let parts = try await fanOut("Status", payload, context, as: Copytrade_V1_StatusResponse.self)
            return try await Self.merged(parts, modules: modules().modules).serializedBytes()
        }
        s.rawCommittingUnary("ListAccounts") { [self] payload, context in
            var out = Copytrade_V1_ListAccountsResponse()
            for part in try await fanOut("ListAccounts", payload, context, as: Copytrade_V1_ListAccountsResponse.self) {
                out.accounts += part.accounts
            }
            out.accounts.sort { $0.accountID < $1.accountID }
            return try out.serializedBytes()
        }
        // One account's rows: its shard; all: every shard's, concatenated.
        s.rawCommittingUnary("ListPositions") { [self] payload, context in
            try await accountOrAll("ListPositions", payload, context, account: \Copytrade_V1_ListPositionsRequest.accountID,
                                   rows: \Copytrade_V1_ListPositionsResponse.positions)
        }
        s.rawCommittingUnary("ListOrders") { [self] payload, context in
            try await accountOrAll("ListOrders", payload, context, account: \Copytrade_V1_ListOrdersRequest.accountID,
                                   rows: \Copytrade_V1_ListOrdersResponse.orders)
        }
        // A trader's followers live in their own shards: relations always fan out.
        s.rawCommittingUnary("ListRelations") { [self] payload, context in
            var out = Copytrade_V1_ListRelationsResponse()
            for part in try await fanOut("ListRelations", payload, context, as: Copytrade_V1_ListRelationsResponse.self) {
                out.relations += part.relations
            }
            return try out.serializedBytes()
        }
        s.rawCommittingUnary("History") { [self] payload, context in
            let r = try Self.decode(Copytrade_V1_HistoryRequest.self, payload)
            if !r.accountID.isEmpty { return try await call(ShardLayout.shard(of: r.accountID, count: n), "History", payload, context) }
            let parts = try await fanOut("History", payload, context, as: Copytrade_V1_HistoryResponse.self)
            return try Self.merged(parts, limit: r.limit == 0 ? 1_000 : Int(r.limit)).serializedBytes()
        }
        s.rawServerStreaming("Watch") { [self] payload, context, sink in
            let r = try Self.decode(Copytrade_V1_WatchRequest.self, payload)
            let targets: [Int]
            if let forwarded = try forwardedShard(context) {
                targets = [forwarded]
            } else {
                targets = r.accountID.isEmpty ? Array(0..<n) : [ShardLayout.shard(of: r.accountID, count: n)]
            }
            try await watch(targets, payload, context, sink)
        }
        return s
    }

    static func decode<R: SwiftProtobuf.Message>(_ type: R.Type, _ payload: Data) throws -> R {
        do { return try R(serializedBytes: payload) } catch {
            throw TTRPCError(code: .invalidArgument, message: "ttrpc: error unmarshalling payload: \(error)")
        }
    }

    /// Every shard's status as one: counts and the insurance ledger summed; `last_sequence` is
    /// the sum of the shards' journal lengths; the next settlement the soonest; the modules are
    /// this member's.
    static func merged(_ parts: [Copytrade_V1_StatusResponse], modules: [Copytrade_V1_ModuleRoute]) -> Copytrade_V1_StatusResponse {
        var out = parts.first ?? Copytrade_V1_StatusResponse()
        for p in parts.dropFirst() {
            out.startedMs = min(out.startedMs, p.startedMs)
            out.lastSequence += p.lastSequence
            out.accounts += p.accounts
            out.openPositions += p.openPositions
            out.pendingOrders += p.pendingOrders
            out.relations += p.relations
            out.heldSignals += p.heldSignals
            out.insuranceE8 += p.insuranceE8
            // The soonest scheduled settlement of any shard (0: none).
            if p.nextSettlementMs != 0, out.nextSettlementMs == 0 || p.nextSettlementMs < out.nextSettlementMs {
                out.nextSettlementMs = p.nextSettlementMs
            }
        }
        out.modules = modules
        return out
    }

    /// History over every shard: each shard's events after the request's sequence (its own
    /// numbering), merged by time, then by shard order, the first `limit` kept.
    static func merged(_ parts: [Copytrade_V1_HistoryResponse], limit: Int) -> Copytrade_V1_HistoryResponse {
        var all: [(shard: Int, event: Copytrade_V1_Event)] = []
        for (shard, part) in parts.enumerated() { all += part.events.map { (shard, $0) } }
        all.sort { ($0.event.atMs, $0.shard, $0.event.sequence) < ($1.event.atMs, $1.shard, $1.event.sequence) }
        var out = Copytrade_V1_HistoryResponse()
        out.events = all.prefix(limit).map(\.event)
        return out
    }
}

extension ShardRouter {
    /// A list call that names an account goes to that account's shard; one that names none is
    /// answered by every shard, their rows concatenated in shard order.
    func accountOrAll<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message, Row>(
        _ method: String, _ payload: Data, _ context: CallContext, account: KeyPath<Request, String>,
        rows: WritableKeyPath<Response, [Row]>
    ) async throws -> Data {
        let r = try Self.decode(Request.self, payload)
        if !r[keyPath: account].isEmpty {
            return try await call(ShardLayout.shard(of: r[keyPath: account], count: count), method, payload, context)
        }
        var out = Response()
        for part in try await fanOut(method, payload, context, as: Response.self) { out[keyPath: rows] += part[keyPath: rows] }
        return try out.serializedBytes()
    }
}
