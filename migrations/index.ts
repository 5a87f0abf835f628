import { Foundation1764000000000 } from './1764000000000-foundation.js'
import { CasesDraftsEvidence1764000100000 } from './1764000100000-cases-drafts-evidence.js'
import { Timers1764000200000 } from './1764000200000-timers.js'
import { AutomationRecall1764000300000 } from './1764000300000-automation-recall.js'
import { MetricsKnowledge1764000500000 } from './1764000500000-metrics-knowledge.js'
import { Resilience1764000600000 } from './1764000600000-resilience.js'
import { TimerSyncIndex1764000700000 } from './1764000700000-timer-sync-index.js'
import { ProofIndex1764000800000 } from './1764000800000-proof-index.js'
import { DueTimerIndex1764000900000 } from './1764000900000-due-timer-index.js'
import { SendResend1764001000000 } from './1764001000000-send-resend.js'
import { Attention1764001100000 } from './1764001100000-attention.js'
import { CaseAppointment1764001200000 } from './1764001200000-case-appointment.js'
import { Sessions1764001300000 } from './1764001300000-sessions.js'
import { NoticeFanout1764001400000 } from './1764001400000-notice-fanout.js'
import { DraftKnowledge1764001500000 } from './1764001500000-draft-knowledge.js'
import { Growth1764001600000 } from './1764001600000-growth.js'
import { DropUnusedTimerIndex1764001700000 } from './1764001700000-drop-unused-timer-index.js'
import { SendAccount1764001800000 } from './1764001800000-send-account.js'
import { SopAndFlows1764001900000 } from './1764001900000-sop-and-flows.js'
import { Churn1764002000000 } from './1764002000000-churn.js'
import { ContactEventKinds1764002100000 } from './1764002100000-contact-event-kinds.js'
import { PendingDraftsIndex1764002200000 } from './1764002200000-pending-drafts-index.js'
import { DraftOnApproval1764002300000 } from './1764002300000-draft-on-approval.js'

/** Every migration in order; imported explicitly (no globbing) so tsx, vitest and tsc agree. */
export const MIGRATIONS = [
  Foundation1764000000000,
  CasesDraftsEvidence1764000100000,
  Timers1764000200000,
  AutomationRecall1764000300000,
  MetricsKnowledge1764000500000,
  Resilience1764000600000,
  TimerSyncIndex1764000700000,
  ProofIndex1764000800000,
  DueTimerIndex1764000900000,
  SendResend1764001000000,
  Attention1764001100000,
  CaseAppointment1764001200000,
  Sessions1764001300000,
  NoticeFanout1764001400000,
  DraftKnowledge1764001500000,
  Growth1764001600000,
  DropUnusedTimerIndex1764001700000,
  SendAccount1764001800000,
  SopAndFlows1764001900000,
  Churn1764002000000,
  ContactEventKinds1764002100000,
  PendingDraftsIndex1764002200000,
  DraftOnApproval1764002300000,
]
