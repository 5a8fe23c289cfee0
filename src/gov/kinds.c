/*
 * The governance registers as data (mamori/gov.h): each kind's fields, states and steps. The
 * engine (rules.c, register.c) knows no kind by name except where a rule of the 基本方針 is
 * particular to one, and those rules are in rules.c.
 */
#include <stdio.h>
#include <string.h>

#include "mamori/gov.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Anyone who acts on the record's unit; the staff who handle incidents; the managers. */
#define ANY      "*"
#define CSIRT    "|csirt|ciso|general_manager|"
#define MANAGERS "|section_manager|dept_manager|general_manager|ciso|"
#define SYSADMIN "|system_admin|general_manager|ciso|"

/* ---- 6(7) incidents ---------------------------------------------------------------------- */

static const struct mamori_gov_field incident_fields[] = {
    {"title", "件名", "title", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "所属", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"detected_at", "認知日時", "detected at", MAMORI_GOV_DATETIME, NULL, MAMORI_GOV_REQUIRED},
    {"zone", "ゾーン", "zone", MAMORI_GOV_ZONE, NULL, 0},
    {"assets", "関係する情報資産", "assets affected", MAMORI_GOV_ASSETS, NULL, 0},
    {"plan", "緊急時対応計画", "contingency plan", MAMORI_GOV_REF, "doc", 0},
    {"personal", "個人情報を含む", "personal information", MAMORI_GOV_BOOL, NULL, 0},
    {"people", "本人の数", "people affected", MAMORI_GOV_INT, NULL, 0},
    {"sensitive", "要配慮個人情報", "sensitive personal information", MAMORI_GOV_BOOL, NULL, 0},
    {"mynumber", "特定個人情報", "My Number information", MAMORI_GOV_BOOL, NULL, 0},
    {"property", "財産的被害のおそれ", "risk of property damage", MAMORI_GOV_BOOL, NULL, 0},
    {"malicious", "不正の目的", "malicious purpose", MAMORI_GOV_BOOL, NULL, 0},
    {"s1", "概要", "(1) summary", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"s2", "漏えい等した保有個人情報の項目", "(2) items of personal information",
     MAMORI_GOV_LONGTEXT, NULL, 0},
    {"s3", "本人の数（報告）", "(3) number of people (reported)", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"s4", "原因", "(4) cause", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"s5", "二次被害又はそのおそれの有無及びその内容", "(5) secondary damage", MAMORI_GOV_LONGTEXT,
     NULL, 0},
    {"s6", "本人への対応の実施状況", "(6) response to the people", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"s7", "公表の実施状況", "(7) publication", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"s8", "再発防止のための措置", "(8) recurrence prevention", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"s9", "その他参考となる事項", "(9) other matters", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"prompt_report", "速報日", "prompt report sent", MAMORI_GOV_DATE, NULL, 0},
    {"final_report", "確報日", "final report sent", MAMORI_GOV_DATE, NULL, 0},
    {"published_on", "公表日", "published on", MAMORI_GOV_DATE, NULL, 0},
    {"reportable", "個人情報保護委員会への報告", "reportable to the PPC", MAMORI_GOV_BOOL, NULL,
     MAMORI_GOV_DERIVED},
    {"prompt_due", "速報期限", "prompt report due", MAMORI_GOV_DATE, NULL, MAMORI_GOV_DERIVED},
    {"final_due", "確報期限", "final report due", MAMORI_GOV_DATE, NULL, MAMORI_GOV_DERIVED},
};

static const struct mamori_gov_state incident_states[] = {
    {"recognized", "認知", "recognised", false},
    {"reported", "報告", "reported", false},
    {"assessed", "CSIRT評価", "assessed by CSIRT", false},
    {"ciso_reported", "CISO報告", "reported to the CISO", false},
    {"contained", "初動・被害拡大防止", "contained", false},
    {"preserved", "証拠保全", "evidence preserved", false},
    {"recovered", "復旧", "recovered", false},
    {"analysed", "原因究明・記録", "cause analysed", false},
    {"prevention", "再発防止策", "recurrence prevention", false},
    {"external", "外部報告", "reported externally", false},
    {"published", "公表", "published", false},
    {"closed", "完了", "closed", true},
};

#define OPEN_INCIDENT                                                                              \
    "|recognized|reported|assessed|ciso_reported|contained|preserved|recovered|analysed|"          \
    "prevention|external|published|"

static const struct mamori_gov_step_def incident_steps[] = {
    {"report", "|recognized|", "reported", ANY, NULL, "報告", "report"},
    {"assess", "|reported|", "assessed", "|csirt|", NULL, "CSIRT評価", "assess"},
    {"report-ciso", "|assessed|", "ciso_reported", "|csirt|", NULL, "CISO報告", "report to CISO"},
    {"contain", "|ciso_reported|", "contained", CSIRT "system_admin|", NULL, "初動対応", "contain"},
    {"preserve", "|contained|", "preserved", CSIRT "system_admin|", NULL, "証拠保全", "preserve"},
    {"recover", "|preserved|", "recovered", CSIRT "system_admin|", NULL, "復旧", "recover"},
    {"analyse", "|recovered|", "analysed", CSIRT, "|s4|", "原因究明・記録", "analyse"},
    {"prevent", "|analysed|", "prevention", CSIRT, "|s8|", "再発防止策", "prevent"},
    {"report-external", "|prevention|", "external", CSIRT, NULL, "外部報告", "report externally"},
    {"publish", "|external|", "published", "|ciso|general_manager|", NULL, "公表", "publish"},
    {"close", "|published|", "closed", "|ciso|", "|s1|s4|s8|", "完了", "close"},
    {"evidence", OPEN_INCIDENT, NULL, CSIRT "system_admin|", NULL, "証拠の登録", "add evidence"},
};

/* ---- 例外措置 ----------------------------------------------------------------------------- */

static const struct mamori_gov_field exception_fields[] = {
    {"title", "件名", "title", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "所属", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"clause", "適用しない条項", "clause not applied", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"reason", "理由", "reason", MAMORI_GOV_LONGTEXT, NULL, MAMORI_GOV_REQUIRED},
    {"measures", "代替措置", "compensating measures", MAMORI_GOV_LONGTEXT, NULL,
     MAMORI_GOV_REQUIRED},
    {"until", "期限", "until", MAMORI_GOV_DATE, NULL, MAMORI_GOV_REQUIRED},
    {"assets", "対象の情報資産", "assets", MAMORI_GOV_ASSETS, NULL, 0},
    {"reviewed_on", "見直し日", "reviewed on", MAMORI_GOV_DATE, NULL, MAMORI_GOV_STEP},
};

static const struct mamori_gov_state exception_states[] = {
    {"requested", "申請中", "requested", false},
    {"approved", "承認", "approved", false},
    {"denied", "却下", "denied", true},
    {"ended", "終了", "ended", true},
};

static const struct mamori_gov_step_def exception_steps[] = {
    {"approve", "|requested|", "approved", "approval:exception", NULL, "承認", "approve"},
    {"deny", "|requested|", "denied", "approval:exception", NULL, "却下", "deny"},
    {"review", "|approved|", NULL, "approval:exception", "|reviewed_on|", "見直し", "review"},
    {"end", "|approved|requested|", "ended", ANY, NULL, "終了", "end"},
};

/* ---- 5, 6(5) staff ----------------------------------------------------------------------- */

static const struct mamori_gov_field staff_fields[] = {
    {"name", "氏名", "name", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "所属", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"employment", "任用区分", "employment", MAMORI_GOV_ENUM,
     "regular|fiscal_year|contractor|other", MAMORI_GOV_REQUIRED},
    {"joined", "着任日", "joined", MAMORI_GOV_DATE, NULL, MAMORI_GOV_REQUIRED},
    {"position", "職", "position", MAMORI_GOV_TEXT, NULL, 0},
    {"contractor", "委託事業者", "contractor", MAMORI_GOV_REF, "contractor", 0},
    {"account", "アカウント", "account", MAMORI_GOV_PERSON, NULL, 0},
    {"left", "離任日", "left", MAMORI_GOV_DATE, NULL, 0},
    {"removed_on", "アカウント削除日", "accounts removed", MAMORI_GOV_DATE, NULL, MAMORI_GOV_STEP},
    {"ack_doc", "遵守の確認（文書）", "acknowledged document", MAMORI_GOV_REF, "doc",
     MAMORI_GOV_STEP},
    {"ack_sha256", "確認した文書のSHA-256", "acknowledged SHA-256", MAMORI_GOV_TEXT, NULL,
     MAMORI_GOV_STEP},
    {"ack_at", "遵守の確認日時", "acknowledged at", MAMORI_GOV_DATETIME, NULL, MAMORI_GOV_STEP},
};

static const struct mamori_gov_state staff_states[] = {
    {"active", "在職", "active", false},
    {"left", "離任（アカウント削除待ち）", "left (accounts to remove)", false},
    {"removed", "離任済", "left, accounts removed", true},
};

static const struct mamori_gov_step_def staff_steps[] = {
    {"acknowledge", "|active|", NULL, ANY, NULL, "遵守事項の確認", "acknowledge the policy"},
    {"leave", "|active|", "left", MANAGERS, "|left|", "離任", "leave"},
    {"remove", "|left|", "removed", SYSADMIN, NULL, "アカウント削除", "accounts removed"},
};

/* ---- 6(5) training ----------------------------------------------------------------------- */

static const struct mamori_gov_field training_fields[] = {
    {"title", "研修名", "title", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "主管課", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"audience", "対象", "audience", MAMORI_GOV_ENUM, "all|regular|fiscal_year|contractor",
     MAMORI_GOV_REQUIRED},
    {"every_months", "受講周期（月）", "every (months)", MAMORI_GOV_INT, NULL, MAMORI_GOV_REQUIRED},
    {"description", "内容", "description", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"session_date", "実施日", "session date", MAMORI_GOV_DATE, NULL, MAMORI_GOV_STEP},
    {"attendees", "受講者", "attendees", MAMORI_GOV_REFS, "staff", MAMORI_GOV_STEP},
};

static const struct mamori_gov_state training_states[] = {
    {"active", "実施中", "active", false},
    {"retired", "廃止", "retired", true},
};

static const struct mamori_gov_step_def training_steps[] = {
    {"attend", "|active|", NULL, MANAGERS "system_admin|", "|session_date|attendees|", "受講の記録",
     "record attendance"},
    {"retire", "|active|", "retired", MANAGERS, NULL, "廃止", "retire"},
};

/* ---- 6(8) contractors, 再委託 -------------------------------------------------------------- */

static const struct mamori_gov_field contractor_fields[] = {
    {"title", "事業者名", "name", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "所管課", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"work", "委託業務", "work", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"isms", "ISMS認証", "ISMS certificate", MAMORI_GOV_TEXT, NULL, 0},
    {"pmark", "プライバシーマーク", "PrivacyMark", MAMORI_GOV_TEXT, NULL, 0},
    {"ismap", "ISMAP登録", "ISMAP registration", MAMORI_GOV_TEXT, NULL, 0},
    {"contract_from", "契約開始日", "contract from", MAMORI_GOV_DATE, NULL, 0},
    {"contract_to", "契約終了日", "contract to", MAMORI_GOV_DATE, NULL, 0},
    {"c_compliance", "情報セキュリティポリシーの遵守", "policy compliance", MAMORI_GOV_BOOL, NULL,
     0},
    {"c_responsible", "責任者・作業場所の特定", "responsible person and place", MAMORI_GOV_BOOL,
     NULL, 0},
    {"c_service_level", "提供されるサービスレベル", "service level", MAMORI_GOV_BOOL, NULL, 0},
    {"c_access", "アクセスを許可する情報・範囲", "information and access granted", MAMORI_GOV_BOOL,
     NULL, 0},
    {"c_training", "従業員への教育", "staff training", MAMORI_GOV_BOOL, NULL, 0},
    {"c_no_other_use", "目的外利用の禁止", "no other use", MAMORI_GOV_BOOL, NULL, 0},
    {"c_confidentiality", "守秘義務", "confidentiality", MAMORI_GOV_BOOL, NULL, 0},
    {"c_subcontract", "再委託の制限", "subcontracting limits", MAMORI_GOV_BOOL, NULL, 0},
    {"c_return", "情報の返還・廃棄", "return and disposal", MAMORI_GOV_BOOL, NULL, 0},
    {"c_reporting", "報告義務", "reporting duty", MAMORI_GOV_BOOL, NULL, 0},
    {"c_audit", "市による監査・検査", "the city's right to audit", MAMORI_GOV_BOOL, NULL, 0},
    {"c_publication", "事故時の公表", "publication of incidents", MAMORI_GOV_BOOL, NULL, 0},
    {"c_damages", "損害賠償", "damages", MAMORI_GOV_BOOL, NULL, 0},
    {"checked_on", "確認日", "checked on", MAMORI_GOV_DATE, NULL, MAMORI_GOV_STEP},
    {"next_check", "次回確認期限", "next check due", MAMORI_GOV_DATE, NULL, 0},
};

static const struct mamori_gov_state contractor_states[] = {
    {"selecting", "選定中", "selecting", false},
    {"contracted", "契約中", "under contract", false},
    {"ended", "契約終了", "ended", true},
};

static const struct mamori_gov_step_def contractor_steps[] = {
    {"contract", "|selecting|", "contracted", MANAGERS, "|contract_from|contract_to|", "契約",
     "contract"},
    {"check", "|contracted|", NULL, MANAGERS, "|checked_on|next_check|", "定期確認",
     "periodic check"},
    {"end", "|selecting|contracted|", "ended", MANAGERS, NULL, "契約終了", "end"},
};

static const struct mamori_gov_field subcontract_fields[] = {
    {"title", "再委託先", "subcontractor", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"contractor", "委託事業者", "contractor", MAMORI_GOV_REF, "contractor", MAMORI_GOV_REQUIRED},
    {"unit", "所管課", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"work", "再委託する業務", "work", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"measures", "安全管理措置", "security measures", MAMORI_GOV_LONGTEXT, NULL,
     MAMORI_GOV_REQUIRED},
};

static const struct mamori_gov_state subcontract_states[] = {
    {"requested", "申請中", "requested", false},
    {"approved", "承認", "approved", false},
    {"denied", "却下", "denied", true},
    {"ended", "終了", "ended", true},
};

static const struct mamori_gov_step_def subcontract_steps[] = {
    {"approve", "|requested|", "approved", "approval:contractor.subcontract", NULL, "承認",
     "approve"},
    {"deny", "|requested|", "denied", "approval:contractor.subcontract", NULL, "却下", "deny"},
    {"end", "|requested|approved|", "ended", MANAGERS, NULL, "終了", "end"},
};

/* ---- 6(8) external services, SNS --------------------------------------------------------- */

static const struct mamori_gov_field service_fields[] = {
    {"title", "サービス名", "service", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"provider", "提供者", "provider", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "利用課", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"purpose", "利用目的", "purpose", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"conf2", "機密性2以上の情報を扱う", "holds 機密性2 or above", MAMORI_GOV_BOOL, NULL,
     MAMORI_GOV_REQUIRED},
    {"ismap", "ISMAP", "ISMAP", MAMORI_GOV_ENUM, "registered|none", MAMORI_GOV_REQUIRED},
    {"exception", "例外措置", "exception", MAMORI_GOV_REF, "exception", 0},
    {"review_due", "見直し期限", "review due", MAMORI_GOV_DATE, NULL, 0},
};

static const struct mamori_gov_state service_states[] = {
    {"requested", "申請中", "requested", false},
    {"approved", "利用承認", "approved", false},
    {"denied", "却下", "denied", true},
    {"retired", "利用終了", "retired", true},
};

static const struct mamori_gov_step_def service_steps[] = {
    {"approve", "|requested|", "approved", "approval:service.use", "|review_due|", "承認",
     "approve"},
    {"deny", "|requested|", "denied", "approval:service.use", NULL, "却下", "deny"},
    {"review", "|approved|", NULL, "approval:service.use", "|review_due|", "見直し", "review"},
    {"retire", "|requested|approved|", "retired", MANAGERS, NULL, "利用終了", "retire"},
};

static const struct mamori_gov_field sns_fields[] = {
    {"title", "サービス", "service", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"handle", "アカウント名", "handle", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "所管課", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"responsible", "運用責任者", "responsible person", MAMORI_GOV_PERSON, NULL, 0},
    {"procedure", "運用手順（版）", "operating procedure (version)", MAMORI_GOV_TEXT, NULL, 0},
    {"listed", "市のサイトに掲載", "listed on the city's site", MAMORI_GOV_BOOL, NULL, 0},
    {"mfa", "多要素認証", "multi-factor sign-in", MAMORI_GOV_BOOL, NULL, 0},
    {"url", "URL", "URL", MAMORI_GOV_TEXT, NULL, 0},
};

static const struct mamori_gov_state sns_states[] = {
    {"active", "運用中", "active", false},
    {"closed", "廃止", "closed", true},
};

static const struct mamori_gov_step_def sns_steps[] = {
    {"close", "|active|", "closed", MANAGERS, NULL, "廃止", "close"},
};

/* ---- 7 audits and findings --------------------------------------------------------------- */

static const struct mamori_gov_field audit_fields[] = {
    {"title", "監査名", "title", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"type", "計画の種類", "plan type", MAMORI_GOV_ENUM,
     "medium_term|yearly|implementation|special", MAMORI_GOV_REQUIRED},
    {"year", "年度", "fiscal year", MAMORI_GOV_INT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "主管", "owning unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"targets", "監査対象の所属", "units audited", MAMORI_GOV_UNITS, NULL, 0},
    {"contractors", "監査対象の委託事業者", "contractors audited", MAMORI_GOV_REFS, "contractor",
     0},
    {"auditors", "監査人", "auditors", MAMORI_GOV_PERSONS, NULL, MAMORI_GOV_REQUIRED},
    {"scope", "範囲", "scope", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"from", "実施開始", "from", MAMORI_GOV_DATE, NULL, 0},
    {"to", "実施終了", "to", MAMORI_GOV_DATE, NULL, 0},
    {"summary", "監査報告", "report", MAMORI_GOV_LONGTEXT, NULL, 0},
};

static const struct mamori_gov_state audit_states[] = {
    {"planned", "計画", "planned", false},
    {"approved", "計画承認", "plan approved", false},
    {"performing", "実施中", "performing", false},
    {"reported", "報告済", "reported", false},
    {"closed", "完了", "closed", true},
};

static const struct mamori_gov_step_def audit_steps[] = {
    {"approve", "|planned|", "approved", "approval:audit.plan", NULL, "計画承認", "approve plan"},
    {"start", "|approved|", "performing", "|auditor|general_manager|", "|from|", "実施開始",
     "start"},
    {"report", "|performing|", "reported", "|auditor|", "|to|summary|", "報告", "report"},
    {"close", "|reported|", "closed", "|committee|ciso|", NULL, "完了", "close"},
};

static const struct mamori_gov_field finding_fields[] = {
    {"title", "指摘事項", "finding", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"audit", "監査", "audit", MAMORI_GOV_REF, "audit", MAMORI_GOV_REQUIRED},
    {"unit", "対象の所属", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"severity", "重要度", "severity", MAMORI_GOV_ENUM, "high|medium|low", MAMORI_GOV_REQUIRED},
    {"owner", "改善の担当者", "owner", MAMORI_GOV_PERSON, NULL, MAMORI_GOV_REQUIRED},
    {"due", "改善期限", "due", MAMORI_GOV_DATE, NULL, MAMORI_GOV_REQUIRED},
    {"detail", "内容", "detail", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"action", "改善措置", "corrective action", MAMORI_GOV_LONGTEXT, NULL, 0},
    {"review", "反映する見直し", "review addressing it", MAMORI_GOV_REF, "review", 0},
};

static const struct mamori_gov_state finding_states[] = {
    {"open", "改善待ち", "open", false},
    {"corrected", "改善報告済", "corrected", false},
    {"verified", "確認済", "verified", true},
};

static const struct mamori_gov_step_def finding_steps[] = {
    {"correct", "|open|", "corrected", MANAGERS "system_admin|staff|system_staff|", "|action|",
     "改善報告", "report correction"},
    {"verify", "|corrected|", "verified", "|auditor|", NULL, "フォローアップ確認", "verify"},
    {"reopen", "|corrected|", "open", "|auditor|", NULL, "差し戻し", "reopen"},
};

/* ---- 8, 9, 10 documents and reviews ------------------------------------------------------ */

static const struct mamori_gov_field doc_fields[] = {
    {"title", "文書名", "title", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"type", "種類", "type", MAMORI_GOV_ENUM, "basic|standard|procedure|plan", MAMORI_GOV_REQUIRED},
    {"version", "版", "version", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "所管課", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"visible_to", "閲覧できる役割", "visible to roles", MAMORI_GOV_ROLES, NULL, 0},
    {"file", "ファイル名", "file name", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_DERIVED},
    {"sha256", "SHA-256", "SHA-256", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_DERIVED},
    {"size", "大きさ", "size", MAMORI_GOV_INT, NULL, MAMORI_GOV_DERIVED},
    {"next_review", "次回見直し期限", "next review due", MAMORI_GOV_DATE, NULL, 0},
    {"supersedes", "改訂前の版", "supersedes", MAMORI_GOV_REF, "doc", 0},
    {"contacts", "連絡先", "contacts", MAMORI_GOV_LONGTEXT, NULL, 0},
};

static const struct mamori_gov_state doc_states[] = {
    {"draft", "案", "draft", false},
    {"approved", "決定", "approved", false},
    {"superseded", "改訂済", "superseded", true},
};

static const struct mamori_gov_step_def doc_steps[] = {
    {"approve", "|draft|", "approved", "approval:policy.adopt", "|next_review|", "決定", "approve"},
    {"supersede", "|approved|", "superseded", MANAGERS "committee|", NULL, "改訂済とする",
     "supersede"},
};

static const struct mamori_gov_field review_fields[] = {
    {"title", "見直し", "review", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"year", "年度", "fiscal year", MAMORI_GOV_INT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "主管課", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"due", "期限", "due", MAMORI_GOV_DATE, NULL, MAMORI_GOV_REQUIRED},
    {"docs", "見直す文書", "documents reviewed", MAMORI_GOV_REFS, "doc", 0},
    {"findings", "反映する指摘事項", "findings addressed", MAMORI_GOV_REFS, "finding", 0},
    {"decision", "結論", "decision", MAMORI_GOV_LONGTEXT, NULL, 0},
};

static const struct mamori_gov_state review_states[] = {
    {"open", "実施中", "open", false},
    {"done", "完了", "done", true},
};

static const struct mamori_gov_step_def review_steps[] = {
    {"decide", "|open|", "done", "|committee|", "|decision|", "委員会の決定", "decide"},
};

/* ---- 6(4) server-room entries ------------------------------------------------------------ */

/* 持ち出し・持ち込み: equipment and media taken off-site or brought in, with approval (the
 * approval matrix's asset.carry) and their return; linked to the assets register. */
static const struct mamori_gov_field carry_fields[] = {
    {"title", "品目（機器・媒体）", "item (equipment, media)", MAMORI_GOV_TEXT, NULL,
     MAMORI_GOV_REQUIRED},
    {"direction", "区分（out=持ち出し, in=持ち込み）", "direction (out, in)", MAMORI_GOV_ENUM,
     "out|in", MAMORI_GOV_REQUIRED},
    {"unit", "所管課", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"person", "持ち出す・持ち込む人", "person carrying", MAMORI_GOV_PERSON, NULL,
     MAMORI_GOV_REQUIRED},
    {"assets", "情報資産", "assets", MAMORI_GOV_ASSETS, NULL, 0},
    {"purpose", "目的", "purpose", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"place", "行き先・持ち込み元", "where", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"from", "開始日", "from", MAMORI_GOV_DATE, NULL, MAMORI_GOV_REQUIRED},
    {"until", "返却・撤去予定日", "back by", MAMORI_GOV_DATE, NULL, MAMORI_GOV_REQUIRED},
    {"measures", "安全管理措置（暗号化、ウイルス検査など）", "measures (encryption, scan)",
     MAMORI_GOV_LONGTEXT, NULL, 0},
    {"returned", "返却・撤去日", "returned on", MAMORI_GOV_DATE, NULL, MAMORI_GOV_STEP},
    {"return_check", "返却時の確認", "checked on return", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_STEP},
};

static const struct mamori_gov_state carry_states[] = {
    {"requested", "申請中", "requested", false},
    {"approved", "承認（持ち出し中）", "approved (out)", false},
    {"denied", "却下", "denied", true},
    {"returned", "返却・撤去済", "returned", true},
};

static const struct mamori_gov_step_def carry_steps[] = {
    {"approve", "|requested|", "approved", "approval:asset.carry", NULL, "承認", "approve"},
    {"deny", "|requested|", "denied", "approval:asset.carry", NULL, "却下", "deny"},
    {"return", "|approved|", "returned", ANY, "|returned|return_check|", "返却・撤去", "return"},
};

static const struct mamori_gov_field entry_fields[] = {
    {"title", "入室者", "person entering", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"unit", "所管課", "unit", MAMORI_GOV_UNIT, NULL, MAMORI_GOV_REQUIRED},
    {"room", "室名", "room", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"purpose", "目的", "purpose", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED},
    {"in_at", "入室日時", "in at", MAMORI_GOV_DATETIME, NULL, MAMORI_GOV_REQUIRED},
    {"escort", "立会者", "escort", MAMORI_GOV_PERSON, NULL, 0},
    {"contractor", "委託事業者", "contractor", MAMORI_GOV_REF, "contractor", 0},
    {"out_at", "退室日時", "out at", MAMORI_GOV_DATETIME, NULL, MAMORI_GOV_STEP},
};

static const struct mamori_gov_state entry_states[] = {
    {"in", "入室中", "in", false},
    {"out", "退室", "out", true},
};

static const struct mamori_gov_step_def entry_steps[] = {
    {"leave", "|in|", "out", ANY, "|out_at|", "退室", "leave"},
};

#define KIND(id, prefix, ja, en, clause, verb, creators, given, x)                                 \
    static const struct mamori_gov_kind kind_##x = {                                               \
        id,         prefix,        ja,        en,          clause,                                 \
        verb,       creators,      given,     x##_fields,  N(x##_fields),                          \
        x##_states, N(x##_states), x##_steps, N(x##_steps)}

KIND("incident", "INC", "情報セキュリティインシデント", "security incident", "6(7)", "open", ANY,
     false, incident);
KIND("exception", "EXC", "例外措置", "exception", "6", "request", ANY, false, exception);
KIND("staff", "STF", "職員等", "staff", "5", "add", MANAGERS "system_admin|", true, staff);
KIND("training", "TRN", "研修・訓練", "training", "6(5)", "add", MANAGERS, false, training);
KIND("contractor", "CON", "委託事業者", "contractor", "6(8)", "add", MANAGERS, false, contractor);
KIND("subcontract", "SUB", "再委託", "subcontract", "6(8)", "request", ANY, false, subcontract);
KIND("service", "SVC", "外部サービス", "external service", "6(8)", "request", ANY, false, service);
KIND("sns", "SNS", "ソーシャルメディアアカウント", "social-media account", "6(8)", "add", MANAGERS,
     false, sns);
KIND("audit", "AUD", "情報セキュリティ監査", "audit", "7", "plan", "|auditor|general_manager|ciso|",
     false, audit);
KIND("finding", "FND", "指摘事項", "finding", "7", "add", "|auditor|", false, finding);
KIND("doc", "DOC", "ポリシー文書", "policy document", "8", "add", MANAGERS "committee|", false,
     doc);
KIND("review", "REV", "ポリシーの見直し", "policy review", "9", "open",
     "|general_manager|ciso|committee|", false, review);
KIND("carry", "CAR", "持ち出し・持ち込み", "equipment and media carried", "6(4)", "request", ANY,
     false, carry);
KIND("entry", "ENT", "サーバ室入退室", "server-room entry", "6(4)", "add", SYSADMIN "system_staff|",
     false, entry);

const struct mamori_gov_kind *const mamori_gov_kinds[] = {
    &kind_incident,    &kind_exception, &kind_staff, &kind_training, &kind_contractor,
    &kind_subcontract, &kind_service,   &kind_sns,   &kind_audit,    &kind_finding,
    &kind_doc,         &kind_review,    &kind_carry, &kind_entry,
};
const size_t mamori_gov_n_kinds = N(mamori_gov_kinds);

_Static_assert(N(incident_fields) <= MAMORI_GOV_MAX_FIELDS, "fields fit a record");
_Static_assert(N(contractor_fields) <= MAMORI_GOV_MAX_FIELDS, "fields fit a record");

const struct mamori_gov_kind *
mamori_gov_kind_find(const char *id)
{
    for (size_t i = 0; id && i < mamori_gov_n_kinds; i++)
        if (strcmp(mamori_gov_kinds[i]->id, id) == 0)
            return mamori_gov_kinds[i];
    return NULL;
}

int
mamori_gov_field_find(const struct mamori_gov_kind *k, const char *key)
{
    for (size_t i = 0; key && i < k->n_fields; i++)
        if (strcmp(k->fields[i].key, key) == 0 || strcmp(k->fields[i].ja, key) == 0)
            return (int)i;
    return -1;
}

const struct mamori_gov_state *
mamori_gov_state_find(const struct mamori_gov_kind *k, const char *id)
{
    for (size_t i = 0; id && i < k->n_states; i++)
        if (strcmp(k->states[i].id, id) == 0 || strcmp(k->states[i].ja, id) == 0)
            return &k->states[i];
    return NULL;
}

const struct mamori_gov_step_def *
mamori_gov_step_find(const struct mamori_gov_kind *k, const char *action)
{
    for (size_t i = 0; action && i < k->n_steps; i++)
        if (strcmp(k->steps[i].action, action) == 0)
            return &k->steps[i];
    return NULL;
}

const struct mamori_gov_step_def *
mamori_gov_step_next(const struct mamori_gov_kind *k, const char *state)
{
    for (size_t i = 0; i < k->n_steps; i++)
        if (k->steps[i].to && mamori_gov_listed(k->steps[i].from, state))
            return &k->steps[i];
    return NULL;
}

bool
mamori_gov_org_wide(const char *role)
{
    return mamori_gov_listed("|ciso|general_manager|csirt|committee|auditor|system_admin|", role);
}

void
mamori_gov_now(char out[24])
{
    mamori_gov_time(mamori_now_us(), out);
}

void
mamori_gov_time(int64_t us, char out[24])
{
    int64_t s = us / 1000000 + (int64_t)9 * 3600;
    mamori_date_format((int32_t)(s / 86400), out);
    snprintf(out + 10, 14, " %02d:%02d", (int)(s % 86400 / 3600), (int)(s % 3600 / 60));
}

bool
mamori_gov_listed(const char *list, const char *word)
{
    if (!list || !word || !*word)
        return false;
    size_t n = strlen(word);
    for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
        if (p > list && p[-1] == '|' && p[n] == '|')
            return true;
    return false;
}
