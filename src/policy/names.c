/*
 * Names and built-in data of the policy model: zone kinds, methods, network models, the
 * clauses of the 基本方針, the standard roles of DESIGN.md §2, well-known services, and the
 * default classification scheme of the 総務省 guideline (令和6年10月 revision).
 */
#include <netinet/in.h>
#include <string.h>

#include "internal.h"

const char *const mamori_method_ids[MAMORI_METHOD_MAX + 1] = {
    "direct",           "deny",
    "mail_text",        "file_sanitize",
    "screen_transfer",  "national_specific",
    "pinned_exception", NULL,
};

static const char *const method_ja[MAMORI_METHOD_MAX] = {
    "直接通信",
    "遮断",
    "メールテキスト化",
    "ファイル無害化",
    "画面転送",
    "国が認めた特定通信",
    "固定例外（IP・MAC・ポート）",
};

const char *const mamori_netmodel_ids[MAMORI_NETMODEL_MAX + 1] = {
    "alpha", "alpha_prime", "beta", "beta_prime", NULL,
};

const char *const mamori_release_method_ids[MAMORI_RELEASE_MAX + 1] = {
    "both",
    "mail",
    "file",
    NULL,
};

const char *const mamori_url_mode_ids[MAMORI_URL_MODE_MAX + 1] = {
    "defang",
    "keep",
    "remove",
    NULL,
};

static const char *const zone_ids[MAMORI_ZONE_KIND_MAX] = {"mynumber", "lgwan", "internet"};
static const char *const zone_ja[MAMORI_ZONE_KIND_MAX] = {"マイナンバー利用事務系", "LGWAN接続系",
                                                          "インターネット接続系"};
static const char *const zone_en[MAMORI_ZONE_KIND_MAX] = {"My Number use", "LGWAN-connected",
                                                          "Internet-connected"};

static const char *const axis_ids[MAMORI_AXIS_MAX] = {"confidentiality", "integrity",
                                                      "availability"};
static const char *const axis_ja[MAMORI_AXIS_MAX] = {"機密性", "完全性", "可用性"};
static const char *const axis_en[MAMORI_AXIS_MAX] = {"Confidentiality", "Integrity",
                                                     "Availability"};

const char *
mamori_zone_kind_id(enum mamori_zone_kind k)
{
    return k < MAMORI_ZONE_KIND_MAX ? zone_ids[k] : "?";
}

const char *
mamori_zone_kind_name(enum mamori_zone_kind k, bool ja)
{
    if (k >= MAMORI_ZONE_KIND_MAX)
        return "?";
    return ja ? zone_ja[k] : zone_en[k];
}

const char *
mamori_method_id(enum mamori_method m)
{
    return m < MAMORI_METHOD_MAX ? mamori_method_ids[m] : "?";
}

const char *
mamori_method_name(enum mamori_method m, bool ja)
{
    if (m >= MAMORI_METHOD_MAX)
        return "?";
    return ja ? method_ja[m] : mamori_method_ids[m];
}

const char *
mamori_netmodel_id(enum mamori_netmodel m)
{
    return m < MAMORI_NETMODEL_MAX ? mamori_netmodel_ids[m] : "?";
}

const char *
mamori_axis_id(enum mamori_axis_id a)
{
    return a < MAMORI_AXIS_MAX ? axis_ids[a] : "?";
}

const char *
mamori_axis_name(enum mamori_axis_id a, bool ja)
{
    if (a >= MAMORI_AXIS_MAX)
        return "?";
    return ja ? axis_ja[a] : axis_en[a];
}

const char *
mamori_text_get(const struct mamori_text *t, bool ja)
{
    const char *first = ja ? t->ja : t->en, *second = ja ? t->en : t->ja;
    return first ? first : (second ? second : "");
}

/* The clauses of the 基本方針 (shared/seed), as they are cited in diagnostics and decisions. */
static const struct {
    const char *id;
    const char *title;
} clauses[] = {
    {"1", "目的"},
    {"2", "用語の定義"},
    {"2(1)", "ネットワーク"},
    {"2(2)", "情報システム"},
    {"2(3)", "情報セキュリティ"},
    {"2(4)", "機密性"},
    {"2(5)", "完全性"},
    {"2(6)", "可用性"},
    {"2(7)", "マイナンバー利用事務系"},
    {"2(8)", "LGWAN接続系"},
    {"2(9)", "インターネット接続系"},
    {"2(10)", "通信経路の分割"},
    {"2(11)", "無害化通信"},
    {"3", "対象とする脅威"},
    {"3(1)", "意図的な要因による脅威"},
    {"3(2)", "非意図的要因による脅威"},
    {"3(3)", "災害"},
    {"3(4)", "疾病による要員不足"},
    {"3(5)", "インフラの障害"},
    {"4", "適用範囲"},
    {"4(1)", "行政機関の範囲"},
    {"4(2)", "情報資産の範囲"},
    {"5", "職員の遵守義務"},
    {"6", "情報セキュリティ対策"},
    {"6(1)", "組織体制"},
    {"6(2)", "情報資産の分類と管理"},
    {"6(3)", "情報システム全体の強靱性の向上"},
    {"6(3)①", "マイナンバー利用事務系"},
    {"6(3)②", "LGWAN接続系"},
    {"6(3)③", "インターネット接続系"},
    {"6(4)", "物理的セキュリティ"},
    {"6(5)", "人的セキュリティ"},
    {"6(6)", "技術的セキュリティ"},
    {"6(7)", "運用"},
    {"6(8)", "業務委託と外部サービスの利用"},
    {"7", "情報セキュリティ監査及び自己点検の実施"},
    {"8", "情報セキュリティポリシーの見直し"},
    {"9", "情報セキュリティ対策基準の策定"},
    {"10", "情報セキュリティ実施手順の策定"},
};

const char *
mamori_clause_title(const char *clause)
{
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(clauses); i++)
        if (strcmp(clauses[i].id, clause) == 0)
            return clauses[i].title;
    return NULL;
}

const struct builtin_role mamori_builtin_roles[] = {
    {"ciso", "最高情報セキュリティ責任者（CISO）", "Chief Information Security Officer"},
    {"general_manager", "統括情報セキュリティ責任者", "General Information Security Manager"},
    {"dept_manager", "情報セキュリティ責任者", "Department Information Security Manager"},
    {"section_manager", "情報セキュリティ管理者", "Section Information Security Administrator"},
    {"system_admin", "情報システム管理者", "Information System Administrator"},
    {"system_staff", "情報システム担当者", "Information System Staff"},
    {"staff", "職員等", "Staff"},
    {"csirt", "CSIRT", "CSIRT"},
    {"committee", "情報セキュリティ委員会", "Information Security Committee"},
    {"auditor", "監査統括責任者・監査人", "Auditor"},
};
const size_t mamori_n_builtin_roles = MAMORI_ARRAY_SIZE(mamori_builtin_roles);

#define TCP(p)                                                                                     \
    {                                                                                              \
        IPPROTO_TCP, p, p                                                                          \
    }
#define UDP(p)                                                                                     \
    {                                                                                              \
        IPPROTO_UDP, p, p                                                                          \
    }
const struct builtin_service mamori_builtin_services[] = {
    {"smtp", "SMTP", {TCP(25)}, 1},
    {"submission", "メール送信（submission）", {TCP(587)}, 1},
    {"smtps", "SMTPS", {TCP(465)}, 1},
    {"http", "HTTP", {TCP(80)}, 1},
    {"https", "HTTPS", {TCP(443)}, 1},
    {"dns", "DNS", {UDP(53), TCP(53)}, 2},
    {"ntp", "NTP", {UDP(123)}, 1},
    {"ssh", "SSH", {TCP(22)}, 1},
    {"imaps", "IMAPS", {TCP(993)}, 1},
    {"pop3s", "POP3S", {TCP(995)}, 1},
    {"ldap", "LDAP", {TCP(389)}, 1},
    {"ldaps", "LDAPS", {TCP(636)}, 1},
    {"rdp", "リモートデスクトップ", {TCP(3389)}, 1},
    {"syslog", "syslog", {UDP(514)}, 1},
    {"icmp", "ICMP", {{IPPROTO_ICMP, 0, 65535}}, 1},
};
#undef TCP
#undef UDP
const size_t mamori_n_builtin_services = MAMORI_ARRAY_SIZE(mamori_builtin_services);

/* 基本方針 3: the five classes and the examples each lists, one threat per example. */
const struct builtin_threat mamori_builtin_threats[] = {
    {"unauthorized_access", 1, "不正アクセス", "Unauthorized access", {"漏えい", "改ざん"}},
    {"malware", 1, "ウイルス攻撃", "Malware", {"破壊", "消去"}},
    {"dos", 1, "サービス不能攻撃", "Denial of service", {"サービス停止"}},
    {"intrusion", 1, "部外者の侵入", "Intrusion by outsiders", {"盗難", "破壊"}},
    {"fraud",
     1,
     "重要情報の詐取",
     "Fraudulent acquisition of important information",
     {"なりすまし", "標的型メール"}},
    {"insider", 1, "内部不正", "Insider misconduct", {"持ち出し", "改ざん"}},
    {"unauthorized_takeout",
     2,
     "情報資産の無断持ち出し",
     "Taking assets out without permission",
     {"紛失", "漏えい"}},
    {"unauthorized_software",
     2,
     "無許可ソフトウェアの使用",
     "Use of unauthorized software",
     {"規定違反"}},
    {"design_flaw", 2, "設計・開発の不備", "Flaws in design or development", {"脆弱性"}},
    {"program_defect", 2, "プログラム上の欠陥", "Program defects", {"誤処理"}},
    {"misoperation",
     2,
     "操作・設定ミス",
     "Operating or configuration mistakes",
     {"誤送信", "誤設定", "誤廃棄"}},
    {"maintenance_lapse", 2, "メンテナンス不備", "Poor maintenance", {"パッチ未適用"}},
    {"audit_lapse", 2, "内部・外部監査機能の不備", "Weak internal or external audit", {}},
    {"outsourcing_lapse", 2, "委託管理の不備", "Weak management of contractors", {"再委託"}},
    {"management_flaw", 2, "マネジメントの欠陥", "Management failures", {}},
    {"equipment_failure", 2, "機器故障", "Equipment failure", {"消去", "停止"}},
    {"earthquake", 3, "地震", "Earthquake", {"業務の停止"}},
    {"lightning", 3, "落雷", "Lightning", {"機器の破損"}},
    {"fire", 3, "火災", "Fire", {"焼失"}},
    {"pandemic",
     4,
     "大規模・広範囲にわたる疾病による要員不足",
     "Staff shortage from a pandemic",
     {"システム運用の機能不全"}},
    {"power_outage", 5, "電力供給の途絶", "Power outage", {"停止"}},
    {"network_outage", 5, "通信の途絶", "Loss of communication lines", {"停止"}},
    {"water_outage", 5, "水道供給の途絶", "Loss of water supply", {"空調停止"}},
};
const size_t mamori_n_builtin_threats = MAMORI_ARRAY_SIZE(mamori_builtin_threats);

const struct builtin_restriction mamori_builtin_restrictions[] = {
    {"no_excess_copy", "必要以上の複製及び配付禁止", "No copying or distribution beyond need"},
    {"restricted_storage", "保管場所の制限", "Restricted storage location"},
    {"encrypt_in_transit", "送信・運搬時の暗号化又はパスワード設定",
     "Encryption or password when sending or carrying"},
    {"secure_disposal", "復元不可能な処理による廃棄", "Disposal that cannot be recovered"},
    {"trusted_network_only", "信頼できるネットワーク回線の選択", "Only trusted network lines"},
    {"lockable_media", "外部記録媒体の施錠可能な場所への保管", "Removable media kept under lock"},
    {"issued_devices_only", "支給以外の端末での作業禁止",
     "No work on devices not issued by the city"},
    {"backup", "バックアップ", "Backup"},
    {"e_signature", "電子署名の付与", "Electronic signature"},
    {"recovery_time", "指定時間以内の復旧", "Recovery within a set time (RTO)"},
};
const size_t mamori_n_builtin_restrictions = MAMORI_ARRAY_SIZE(mamori_builtin_restrictions);

#define C2_RESTRICTIONS                                                                            \
    "no_excess_copy", "restricted_storage", "encrypt_in_transit", "secure_disposal",               \
        "trusted_network_only", "lockable_media"

static const struct builtin_level conf_levels[] = {
    {"3A",
     "自治体機密性3A",
     "Municipal confidentiality 3A",
     "行政事務で取り扱う情報資産のうち、特に機密性の高い情報（個人番号を含む特定個人情報等）",
     {C2_RESTRICTIONS, "issued_devices_only"}},
    {"3B",
     "自治体機密性3B",
     "Municipal confidentiality 3B",
     "行政事務で取り扱う情報資産のうち、3A以外の個人情報等の秘密文書に相当する機密性を要する情報",
     {C2_RESTRICTIONS, "issued_devices_only"}},
    {"3C",
     "自治体機密性3C",
     "Municipal confidentiality 3C",
     "行政事務で取り扱う情報資産のうち、3A・3B以外の秘密文書に相当する機密性を要する情報",
     {C2_RESTRICTIONS, "issued_devices_only"}},
    {"2",
     "自治体機密性2",
     "Municipal confidentiality 2",
     "直ちに一般に公表することを前提としていない情報資産",
     {C2_RESTRICTIONS}},
    {"1", "自治体機密性1", "Municipal confidentiality 1", "機密性2以上以外の情報資産", {NULL}},
};
static const struct builtin_level integ_levels[] = {
    {"2",
     "完全性2",
     "Integrity 2",
     "改ざん、誤びゅう又は破損により、住民の権利が侵害される又は行政事務の適確な遂行に支障"
     "（軽微なものを除く。）を及ぼすおそれがある情報資産",
     {"backup", "e_signature"}},
    {"1", "完全性1", "Integrity 1", "完全性2以外の情報資産", {NULL}},
};
static const struct builtin_level avail_levels[] = {
    {"2",
     "可用性2",
     "Availability 2",
     "滅失、紛失又は当該情報資産が利用不可能であることにより、住民の権利が侵害される又は行政事務"
     "の安定的な遂行に支障（軽微なものを除く。）を及ぼすおそれがある情報資産",
     {"backup", "recovery_time"}},
    {"1", "可用性1", "Availability 1", "可用性2以外の情報資産", {NULL}},
};

const struct builtin_level *const mamori_builtin_levels[MAMORI_AXIS_MAX] = {
    conf_levels, integ_levels, avail_levels};
const size_t mamori_n_builtin_levels[MAMORI_AXIS_MAX] = {MAMORI_ARRAY_SIZE(conf_levels),
                                                         MAMORI_ARRAY_SIZE(integ_levels),
                                                         MAMORI_ARRAY_SIZE(avail_levels)};

size_t
mamori_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 64;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = prev + cost;
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            prev = cur;
        }
    }
    return row[lb];
}

const char *
mamori_role_title(const struct mamori_policy *p, const char *id, bool ja)
{
    int i = p ? mamori_policy_find_role(p, id) : -1;
    const char *t = i >= 0 ? mamori_text_get(&p->roles[i].name, ja) : NULL;
    if (t && *t)
        return t;
    for (size_t k = 0; k < mamori_n_builtin_roles; k++)
        if (strcmp(mamori_builtin_roles[k].id, id) == 0)
            return ja ? mamori_builtin_roles[k].ja : mamori_builtin_roles[k].en;
    return id;
}

const char *
mamori_unit_title(const struct mamori_policy *p, const char *id, bool ja)
{
    int i = p ? mamori_policy_find_unit(p, id) : -1;
    const char *t = i >= 0 ? mamori_text_get(&p->units[i].name, ja) : NULL;
    return t && *t ? t : id;
}
