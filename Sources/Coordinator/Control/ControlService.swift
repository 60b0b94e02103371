import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import TTRPC

extension ServiceDefinition {
    /// The ttrpc name of the coordinator's control service.
    public static let controlName = "copytrade.v1.Control"

    /// `copytrade.v1.Control` over a sequencer: state-changing calls become journaled inputs,
    /// queries read the state, `Watch` streams committed events.
    /// `watchBufferEvents`: events that may wait for one `Watch` client before its stream ends
    /// RESOURCE_EXHAUSTED (``WatchStreaming``).
    public static func control(_ sequencer: Sequencer, modules: ModuleControl,
                               watchBufferEvents: Int = WatchCursor.defaultBufferLimit,
                               status: @escaping @Sendable () async -> Copytrade_V1_StatusResponse) -> ServiceDefinition {
        var s = ServiceDefinition(name: controlName)
        s.unary("Status") { (_: Copytrade_V1_StatusRequest, _) in
            try await sequencer.requireServing()
            return await status()
        }
        s.unary("ListModules") { (_: Copytrade_V1_ListModulesRequest, _) in await modules.list() }
        s.unary("SwapModule") { (r: Copytrade_V1_SwapModuleRequest, _) in try await modules.swap(r) }
        s.input("CreateAccount", sequencer) { (r: Copytrade_V1_CreateAccountRequest, i) in i.createAccount = r; return r.key }
        s.input("Deposit", sequencer) { (r: Copytrade_V1_TransferRequest, i) in i.deposit = r; return r.key }
        s.input("Withdraw", sequencer) { (r: Copytrade_V1_TransferRequest, i) in i.withdraw = r; return r.key }
        s.input("Follow", sequencer) { (r: Copytrade_V1_FollowRequest, i) in i.follow = r; return r.key }
        s.input("Unfollow", sequencer) { (r: Copytrade_V1_RelationRequest, i) in i.unfollow = r; return r.key }
        s.input("Pause", sequencer) { (r: Copytrade_V1_RelationRequest, i) in i.pause = r; return r.key }
        s.input("Resume", sequencer) { (r: Copytrade_V1_RelationRequest, i) in i.resume = r; return r.key }
        s.input("Open", sequencer) { (r: Copytrade_V1_OpenRequest, i) in i.open = r; return r.key }
        s.input("Close", sequencer) { (r: Copytrade_V1_CloseRequest, i) in i.close = r; return r.key }
        s.input("AdjustMargin", sequencer) { (r: Copytrade_V1_AdjustMarginRequest, i) in i.adjustMargin = r; return r.key }
        s.input("PlaceOrder", sequencer) { (r: Copytrade_V1_PlaceOrderRequest, i) in i.placeOrder = r; return r.key }
        s.input("CancelOrder", sequencer) { (r: Copytrade_V1_CancelOrderRequest, i) in i.cancelOrder = r; return r.key }
        s.input("SetMark", sequencer) { (r: Copytrade_V1_SetMarkPriceRequest, i) in i.setMark = r; return r.key }
        s.input("SetAutoMargin", sequencer) { (r: Copytrade_V1_SetAutoMarginRequest, i) in i.setAutoMargin = r; return r.key }
        s.input("SetRollout", sequencer) { (r: Copytrade_V1_SetRolloutRequest, i) in i.setRollout = r; return r.key }
        s.input("SetRelation", sequencer) { (r: Copytrade_V1_SetRelationRequest, i) in i.setRelation = r; return r.key }
        s.input("SetAccount", sequencer) { (r: Copytrade_V1_SetAccountRequest, i) in i.setAccount = r; return r.key }
        s.input("Settle", sequencer) { (r: Copytrade_V1_SettleRequest, i) in i.settle = r; return r.key }
        s.unary("GetRollout") { (_: Copytrade_V1_GetRolloutRequest, _) in
            try await sequencer.requireServing()
            return await sequencer.rolloutView()
        }
        s.unary("GetAccount") { (r: Copytrade_V1_GetAccountRequest, _) in
            try await sequencer.requireServing()
            return try await sequencer.accountView(r.accountID)
        }
        s.unary("ListAccounts") { (_: Copytrade_V1_ListAccountsRequest, _) in
            try await sequencer.requireServing()
            var out = Copytrade_V1_ListAccountsResponse()
            out.accounts = await sequencer.accounts()
            return out
        }
        s.unary("ListPositions") { (r: Copytrade_V1_ListPositionsRequest, _) in
            try await sequencer.requireServing()
            var out = Copytrade_V1_ListPositionsResponse()
            out.positions = await sequencer.positions(account: r.accountID, symbol: r.symbol)
            return out
        }
        s.unary("ListOrders") { (r: Copytrade_V1_ListOrdersRequest, _) in
            try await sequencer.requireServing()
            var out = Copytrade_V1_ListOrdersResponse()
            out.orders = await sequencer.orders(account: r.accountID)
            return out
        }
        s.unary("ListRelations") { (r: Copytrade_V1_ListRelationsRequest, _) in
            try await sequencer.requireServing()
            var out = Copytrade_V1_ListRelationsResponse()
            out.relations = await sequencer.relations(account: r.accountID)
            return out
        }
        s.unary("History") { (r: Copytrade_V1_HistoryRequest, _) in
            try await sequencer.requireServing()
            var out = Copytrade_V1_HistoryResponse()
            out.events = try await sequencer.history(account: r.accountID, afterEvent: r.afterSequence,
                                                     limit: r.limit == 0 ? 1_000 : Int(r.limit), kindPrefix: r.kindPrefix)
            return out
        }
        s.serverStreaming("Watch") { (r: Copytrade_V1_WatchRequest, writer: ServerStreamWriter<Copytrade_V1_Event>, context) in
            try await WatchStreaming.serve(r, sequencer: sequencer, bufferLimit: watchBufferEvents, writer: writer, context: context)
        }
        return s
    }

    /// Registers a state-changing method: the request is wrapped in a journaled input. The
    /// method owns its deadline: an input whose deadline passed before it is decided is refused
    /// (DEADLINE_EXCEEDED, nothing applied); one that was decided is always answered.
    mutating func input<Request: SwiftProtobuf.Message>(
        _ method: String, _ sequencer: Sequencer,
        _ wrap: @escaping @Sendable (Request, inout Copytrade_V1_Input) -> String
    ) {
        committingUnary(method) { (r: Request, context) -> Copytrade_V1_InputResult in
            var input = Copytrade_V1_Input()
            let key = wrap(r, &input)
            try IdempotencyKey.validateClientKey(key)
            return try await sequencer.submit(input, key: key, deadline: context.deadline)
        }
    }
}

import SwiftProtobuf
