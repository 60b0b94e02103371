import Coordinator
import CopyTradeCore
import CopyTradeProto

/// Scenario steps as the coordinator's inputs (the `Copytrade_V1_Input` oneof), as copyctl would send them.
enum ScenarioInputs {
    static func input(_ fill: (inout Copytrade_V1_Input) -> Void) -> Copytrade_V1_Input {
        var i = Copytrade_V1_Input()
        fill(&i)
        return i
    }

    static func createAccount(_ a: AccountSetup) -> Copytrade_V1_Input {
        input {
            var r = Copytrade_V1_CreateAccountRequest()
            r.accountID = a.id
            r.role = a.role == .trader ? .trader : .copier
            r.region = a.region
            r.market = a.market
            $0.createAccount = r
        }
    }

    static func deposit(_ account: String, _ amount: Decimal8) -> Copytrade_V1_Input {
        input {
            var r = Copytrade_V1_TransferRequest()
            r.accountID = account
            r.amountE8 = amount.units
            $0.deposit = r
        }
    }

    static func mark(_ symbol: String, _ price: Decimal8, atMs: Millis) -> Copytrade_V1_Input {
        input {
            var r = Copytrade_V1_SetMarkPriceRequest()
            r.symbol = symbol
            r.priceE8 = price.units
            r.atMs = atMs
            $0.setMark = r
        }
    }

    /// The action's input; `mark` supplies an open's fill price when the script gives none.
    static func action(_ a: ScriptedAction, atMs: Millis, mark: (String) -> Decimal8?) throws(DomainError) -> Copytrade_V1_Input {
        switch a.kind {
        case let .open(account, symbol, side, quantity, price, leverage, mode):
            guard let fill = price ?? mark(symbol) else {
                throw DomainError(.failedPrecondition, field: "price", "no mark for \(symbol) yet to fill at")
            }
            return input {
                var r = Copytrade_V1_OpenRequest()
                r.accountID = account
                r.symbol = symbol
                r.side = side == .long ? .long : .short
                r.quantityE8 = quantity.units
                r.priceE8 = fill.units
                r.leverage = Int32(leverage)
                r.marginMode = mode == .cross ? .cross : .isolated
                r.atMs = atMs
                $0.open = r
            }
        case let .close(account, symbol, quantity, price):
            return input {
                var r = Copytrade_V1_CloseRequest()
                r.accountID = account
                r.symbol = symbol
                r.quantityE8 = quantity?.units ?? 0
                r.priceE8 = price?.units ?? 0
                r.atMs = atMs
                $0.close = r
            }
        case let .adjustMargin(account, symbol, delta):
            return input {
                var r = Copytrade_V1_AdjustMarginRequest()
                r.accountID = account
                r.symbol = symbol
                r.deltaE8 = delta.units
                r.atMs = atMs
                $0.adjustMargin = r
            }
        case let .autoMargin(account, symbol, amount):
            return input {
                var r = Copytrade_V1_SetAutoMarginRequest()
                r.accountID = account
                r.symbol = symbol
                r.enabled = amount != nil
                r.amountE8 = amount?.units ?? 0
                r.atMs = atMs
                $0.setAutoMargin = r
            }
        case let .deposit(account, amount):
            return deposit(account, amount)
        case let .withdraw(account, amount):
            return input {
                var r = Copytrade_V1_TransferRequest()
                r.accountID = account
                r.amountE8 = amount.units
                $0.withdraw = r
            }
        case let .follow(f):
            return input { $0.follow = followRequest(f, atMs: atMs) }
        case let .rollout(phases):
            return input {
                var r = Copytrade_V1_SetRolloutRequest()
                r.phases = phases
                $0.setRollout = r
            }
        case let .unfollow(copier, trader, policy):
            return input {
                var r = Copytrade_V1_RelationRequest()
                r.copierID = copier
                r.traderID = trader
                r.atMs = atMs
                r.closePolicy = policy ?? .unspecified
                $0.unfollow = r
            }
        case let .setRelation(change):
            return input {
                var r = Copytrade_V1_SetRelationRequest()
                r.copierID = change.copier
                r.traderID = change.trader
                r.atMs = atMs
                r.settings = change.settings
                r.settings.copierID = change.copier
                r.settings.traderID = change.trader
                r.settings.atMs = atMs
                r.fields = change.fields
                r.clear = change.clear
                $0.setRelation = r
            }
        case let .setAccount(change):
            return setAccount(change, atMs: atMs)
        case let .settle(trader):
            return input {
                var r = Copytrade_V1_SettleRequest()
                r.traderID = trader ?? ""
                r.atMs = atMs
                $0.settle = r
            }
        }
    }

    /// A follow's request; also the values a setRelation takes some settings from.
    static func followRequest(_ f: FollowSetup, atMs: Millis) -> Copytrade_V1_FollowRequest {
        var r = Copytrade_V1_FollowRequest()
        r.copierID = f.copier
        r.traderID = f.trader
        switch f.mode {
        case .multiplier(let m):
            r.mode = .proportional
            r.multiplierE8 = m.units
        case .fixedMargin(let b):
            r.mode = .fixed
            r.fixedMarginE8 = b.units
        }
        r.leverage = Int32(clamping: f.leverage)
        r.marginMode = f.marginMode == .cross ? .cross : .isolated
        if let s = f.slippage {
            r.hasSlippage_p = true
            r.slippageE8 = s.units
        }
        r.maxMarginPerOrderE8 = f.maxMarginPerOrder?.units ?? 0
        r.maxTotalMarginE8 = f.maxTotalMargin?.units ?? 0
        r.autoMarginAmountE8 = f.autoMargin?.units ?? 0
        if let tp = f.takeProfitRatio {
            r.hasTpRatio_p = true
            r.tpRatioE8 = tp.units
        }
        if let sl = f.stopLossRatio {
            r.hasSlRatio_p = true
            r.slRatioE8 = sl.units
        }
        if let amount = f.stopLossAmount {
            r.hasStopLossAmount_p = true
            r.stopLossAmountE8 = amount.units
        }
        r.closePolicy = f.closePolicy ?? .unspecified
        r.symbols = f.symbols
        if let cap = f.maxDailyMargin {
            r.hasMaxDailyMargin_p = true
            r.maxDailyMarginE8 = cap.units
        }
        r.copyOpenPositions = f.copyOpenPositions
        r.atMs = atMs
        return r
    }

    /// A trader's settings: in the set-up (`accounts`) and for `do: setAccount`.
    static func setAccount(_ change: AccountChange, atMs: Millis) -> Copytrade_V1_Input {
        input {
            var r = Copytrade_V1_SetAccountRequest()
            r.accountID = change.account
            r.atMs = atMs
            if let n = change.maxCopiers {
                r.hasMaxCopiers_p = true
                r.maxCopiers = Int32(clamping: n)
            }
            if let ratio = change.profitShareRatio {
                r.hasProfitShareRatio_p = true
                r.profitShareRatioE8 = ratio.units
            }
            r.clear = change.clear
            $0.setAccount = r
        }
    }
}
