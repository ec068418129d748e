"""Task spans of a directive sentence by rules on plain text (TASKS.md): who is charged
(``ACTOR``), by when (``DEADLINE``) and how much (``TARGET``).

:func:`task_spans` takes one sentence (offsets are relative to it) and, optionally, the
sentence's entities as ``(start, end, label)``: ``ORG``/``GPE`` spans are accepted as units
and bound the units after 会同/协同, ``DATE`` spans followed by 前/内/底/末 become deadlines,
``PERCENT``/``MONEY``/``QUANTITY`` spans are candidate target numbers. It never decides
whether the sentence is a directive: the caller runs it on directive sentences only.

The rules, in short:

* ``ACTOR``: the unit list that opens a clause (after connectives such as 同时, 特别是, 由,
  请 and a leading time) and is followed by a charge word (要, 必须, 负责, 牵头, 务必, 切实,
  抓紧, 会同, 配合, 加快 …) or by a deadline; and the units after 会同/协同. A unit either
  ends like one (…局, …委, …办, …部门, …单位, …中心, …公司, …企业, …干部, …同志, …上下,
  …镇, …街道 …), opens with 各级/各镇/各部门/各有关…, or is an ``ORG``/``GPE`` entity.
  Lists split at 、 (outside brackets: 各县（市、区） is one unit) and at 和/及/与 between two
  units. Pronouns (我们, 大家, 同志们 …) are never units; a unit list that follows 支持, 鼓励,
  引导, 督促, 指导, 配合, 为 … does not open its clause and is not taken.
* ``DEADLINE``: dates and periods with their 前/之前/内/底/末 as written (9月底前, 6月30日前,
  年内, 年底之前, 三季度末, 3个工作日内), and bare periods (今年, 下半年, 三季度, 全年) when they
  state the period of the action: not followed by 以来/同期/目标/任务/工作/的 …, not after
  去年/截至/同比/每, not in a clause about the past (已, 已经, 去年, 以来 …). Vague times
  (尽快, 近期, 下一步, 当前) never match.
* ``TARGET``: a number with its unit and a touching comparator (不少于XX个, 15%以上, XX亿元以上,
  1个工作日以内, 100%). Without a comparator, a percentage counts, and any other number only
  after a goal verb of its clause (增长, 达到, 完成, 新增, 新签约, 引进 …). Numbers cited as a
  reference (按照…确定的增长7%的目标), numbers used as attributes (…的), and figures in a
  clause about the past are not targets.
"""

from __future__ import annotations

import bisect
import re
from typing import Iterable, Sequence

ROLES = ("ACTOR", "DEADLINE", "TARGET")

# ------------------------------------------------------------------ shared pieces

_BOUNDARY = "，,；;：:。！!？?\n\r"
_CLAUSE = re.compile(rf"[^{_BOUNDARY}]+")
_PAST = re.compile(r"已经|已(?!于)|以来|去年|上年|前年|截至|截止|此前|过去")


class _Past:
    """Where each clause's first past marker (已, 以来, 去年 …) stands, found once per clause."""

    def __init__(self, text: str):
        self.text, self.first = text, {}

    def before(self, clause: tuple[int, int], pos: int) -> bool:
        if clause not in self.first:
            m = _PAST.search(self.text, *clause)
            self.first[clause] = m.start() if m else None
        first = self.first[clause]
        return first is not None and first < pos

    def anywhere(self, clause: tuple[int, int]) -> bool:
        return self.before(clause, clause[1])


# How far before a number or a date the rules look (the verbs and references that matter are near).
_WINDOW = 40


def _clauses(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _CLAUSE.finditer(text)]


def _clause_at(clauses: list[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    """The clause holding ``pos`` (None on a boundary character)."""
    i = bisect.bisect_right(clauses, (pos, float("inf"))) - 1
    return clauses[i] if i >= 0 and clauses[i][0] <= pos < clauses[i][1] else None


# ------------------------------------------------------------------ ACTOR

PRONOUNS = frozenset({"我们", "我", "大家", "同志们", "你们", "咱们", "各位", "在座各位", "在座的各位", "诸位",
                      "我们大家", "大家伙", "他们", "她们", "自己", "我们自己"})
# Generic subjects that end like nothing else.
GENERIC_UNITS = frozenset({"一把手", "党员干部", "领导干部", "企业", "各类企业", "广大党员干部", "主要负责同志",
                           "主要负责人", "主要领导", "分管领导", "各级领导干部", "责任单位", "牵头单位", "配合单位"})
_STRONG_SUFFIX = re.compile(
    r"(?:局|委|办|办公室|厅|处|科|股|所|站|队|院|中心|部门|单位|组织部|宣传部|统战部|武装部|人武部|政法委|"
    r"管委会|委员会|工委|党委|党组|党工委|政府|人大|政协|公司|集团|企业|银行|机构|学校|医院|协会|商会|工商联|"
    r"两委|党组织|支部|专班|小组|工作组|督导组|指挥部|干部|同志|负责人|书记|主任|局长|区长|县长|市长|镇长|"
    r"乡长|部长|主席|组长|站长|所长|院长|行长|经理|班子|领导|上下|街道|镇街|园区|开发区|高新区|新区|社区|"
    r"景区)$")
_WEAK_SUFFIX = re.compile(r"(?:镇|乡|村|县|市|区)$")
_WEAK_STOP = re.compile(r"^(?:全|我|本|该|各)?(?:区|市|县|镇|乡|村)$|城区|小区|市区|辖区|山区|灾区|矿区|库区|"
                        r"街区|城市|都市|农村|乡村|城乡|超市|集市|夜市|城镇|地区|片区")
_GENERIC_START = re.compile(
    r"^各(?:级|镇|乡|街|县|市|区|部门|单位|村|社区|园区|开发区|成员单位|责任单位|有关|相关|牵头|职能|行业|企业|"
    r"银行|金融|学校|医院|党|工作组|专班|包保|主管|监管|牵头)")
# Words that never stand inside a unit's name: charge words, object verbs, action verbs.
_NOT_IN_UNIT = re.compile(
    r"的|(?<!主)要(?!素)|会同|协同|负责(?!同志|人)|牵头(?!单位|部门)|配合(?!单位|部门)|必须|务必|支持|鼓励|引导|督促|指导|帮助|为|把|将|对|是|等|在|"
    r"做好|抓好|抓实|抓紧|加强|加快|加大|推进|推动|落实|开展|制定|研究|确保|进一步|切实|认真|积极|全力|"
    r"共同|联合|围绕|聚焦|按照|对照|结合|坚持|持续|继续|着力|扎实|全面|坚决|严格|主动|及时|尽快|立即|迅速|"
    r"[0-9０-９%％]")
_BRACKETS = re.compile(r"[（(][^（）()]*[）)]")
_QUOTES = re.compile(r"[“”\"‘’'《》]")
_LIST_SEP = re.compile(r"、|以及|及|和|与|同")
_ADVERBS = r"(?:也|还|都|均|更|一定|分别|各自|共同|一起|同样|同时|立即|迅速|主动|全力|要(?!求))*"
_MARKER = (r"(?:要(?!求)|必须|须|需|需要|应|应当|应该|负责|牵头|务必|切实|抓紧|会同|协同|配合|认真|积极|加快|"
           r"加大|加强|持续|继续|进一步|着力|扎实|全面|坚决|严格|统筹|带头|亲自|一定|尽快|及时|做好|抓好|抓实|"
           r"落实|推进|推动|强化|确保|坚持|围绕|聚焦|按照|对照|结合|将|把|于|在|主动|迅速|立即|全力)")
_ETC = r"(?:等(?:部门|单位|有关部门|相关部门|成员单位|责任单位|有关单位|相关单位)?)?"
_TAIL = re.compile(_ETC + _ADVERBS + _MARKER)
_PREFIX = re.compile(
    r"(?:[（(](?:[一二三四五六七八九十]+|\d+)[）)]|\d+[.、．]|[一二三四五六七八九十]+、|"
    r"[一二三四五六七八九十]+(?:是|要)|第[一二三四五六七八九十]+[，、]?|首先|其次|再次|最后|同时|另外|此外|其中|"
    r"特别是|尤其是|对此|为此|因此|并且|而且|另一方面|一方面|总之|请|希望|由|我们|咱们|今后|接下来|下一步|"
    r"下步|当前|目前|近期|会后|此次|这次)")
_CO_ACTOR = re.compile(r"会同|协同")
_MAX_UNIT = 20


def _bare(piece: str) -> str:
    return _QUOTES.sub("", _BRACKETS.sub("", piece))


def is_unit(piece: str, entity_spans: frozenset = frozenset(), start: int = 0) -> bool:
    """Whether ``piece`` (at ``start`` in the sentence) names a unit that can be charged."""
    if not piece or len(piece) > _MAX_UNIT or piece in PRONOUNS:
        return False
    if (start, start + len(piece)) in entity_spans:
        return True
    bare = _bare(piece)
    if not bare or "、" in bare or _NOT_IN_UNIT.search(bare) or bare in PRONOUNS:
        return False
    if piece.count("（") != piece.count("）") or piece.count("(") != piece.count(")"):
        return False
    if bare in GENERIC_UNITS or _STRONG_SUFFIX.search(bare):
        return True
    if _WEAK_SUFFIX.search(bare):
        return bool(_GENERIC_START.match(bare) or (len(bare) >= 2 and not _WEAK_STOP.search(bare)))
    return bare in ("各级", "各方", "各方面", "各有关方面")


def _split_pair(piece: str, start: int, ents: frozenset) -> list[tuple[int, int]]:
    """``piece`` as one unit, or two when 和/及/与 joins two units (住房和城乡建设局 stays whole)."""
    for m in re.finditer(r"以及|和|及|与|同", piece):
        left, right = piece[:m.start()], piece[m.end():]
        if is_unit(left, ents, start) and is_unit(right, ents, start + m.end()):
            return [(start, start + m.start()), *_split_pair(right, start + m.end(), ents)]
    return [(start, start + len(piece))]


def _unit_at(text: str, pos: int, end: int, ents: frozenset, ent_ends: dict, follow) -> int | None:
    """End of the longest unit that starts at ``pos`` (not past ``end``) and is followed by
    something ``follow`` accepts; an entity starting at ``pos`` is tried first."""
    if pos in ent_ends and ent_ends[pos] <= end and follow(text, ent_ends[pos], end):
        return ent_ends[pos]
    for j in range(min(end, pos + _MAX_UNIT), pos + 1, -1):
        if is_unit(text[pos:j], ents, pos) and follow(text, j, end):
            return j
    return None


def _follow_subject(text: str, j: int, end: int) -> bool:
    rest = text[j:end]
    return bool(_LIST_SEP.match(rest) or _TAIL.match(rest) or _DEADLINE_AHEAD.match(rest))


def _follow_any(text: str, j: int, end: int) -> bool:
    return True


def _unit_list(text: str, pos: int, end: int, ents: frozenset, ent_ends: dict, follow) -> tuple[list, int]:
    """Units of a 、/和-list starting at ``pos``, and the position after the list."""
    units: list[tuple[int, int]] = []
    while pos < end:
        j = _unit_at(text, pos, end, ents, ent_ends, follow)
        if j is None:
            break
        units.extend(_split_pair(text[pos:j], pos, ents))
        sep = _LIST_SEP.match(text, j, end)
        if sep is None:
            return units, j
        nxt = _unit_at(text, sep.end(), end, ents, ent_ends, follow)
        if nxt is None:
            return units, j
        pos = sep.end()
    return units, pos


def _skip_prefix(text: str, pos: int, end: int, deadlines: dict[int, int]) -> int:
    """Skip connectives, enumerators and a leading time at the start of a clause."""
    while pos < end:
        m = _PREFIX.match(text, pos, end)
        if m:
            pos = m.end()
            continue
        d = deadlines.get(pos)
        if d is not None:
            pos = d
            if pos < end and text[pos] in "起":
                pos += 1
            continue
        if text[pos] in " \u3000“”\"":
            pos += 1
            continue
        break
    return pos


def actor_spans(text: str, entities: Sequence = (), deadlines: Sequence = ()) -> list[tuple[int, int]]:
    """ACTOR spans of one sentence (see the module doc)."""
    ents = frozenset((s, e) for s, e, label in entities if label in ("ORG", "GPE"))
    ent_ends = {s: e for s, e in sorted(ents)}
    starts = {s: e for s, e in sorted(deadlines)}  # the longest deadline at each start
    found: list[tuple[int, int]] = []
    for clause in _CLAUSE.finditer(text):
        c_start, c_end = clause.span()
        pos = _skip_prefix(text, c_start, c_end, starts)
        units, after = _unit_list(text, pos, c_end, ents, ent_ends, _follow_subject)
        if units:
            rest = text[after:c_end]
            if _TAIL.match(rest) or _DEADLINE_AHEAD.match(rest):
                found.extend(units)
        for m in _CO_ACTOR.finditer(text, c_start, c_end):
            co, _ = _unit_list(text, m.end(), c_end, ents, ent_ends, _follow_any)
            found.extend(co)
    return sorted(set(found))


# ------------------------------------------------------------------ DEADLINE

_N = r"(?:\d{1,4}|[一二三四五六七八九十两]{1,3}|X{1,4})"
_YEAR = r"(?:(?:\d{4}|20XX|XXXX)年|今年|明年|当年|本年度?|今年度)"
_LIMIT = r"(?:以前|之前|前|以内|之内|内)"
_MONTH_DATE = (rf"{_YEAR}?{_N}月份?(?:{_N}[日号]|上旬|中旬|下旬|底|末|初|中)?{_LIMIT}?")
_PERIOD = (rf"{_YEAR}?(?:年底|年末|年内|年中|上半年|下半年|全年|第?[一二三四1-4]季度(?:末|底|初)?)"
           rf"{_LIMIT}?")
_YEAR_ONLY = rf"{_YEAR}(?:底|末)?{_LIMIT}?"
_HERE = rf"本(?:周|月|季度|年)(?:内|底|末)?{_LIMIT}?|(?:月底|月末|月中|周末){_LIMIT}?"
_DURATION = r"(?:\d+|[一二三四五六七八九十两半]+|X{1,4})个?(?:工作日|日|天|周|星期|月|季度|年|小时)(?:以内|之内|内)"
_FESTIVAL = r"(?:春节|元旦|国庆节?|五一|端午节?|中秋节?|清明节?|汛期|主汛期|入汛|雨季|冬季|今冬明春)(?:以前|之前|前)"
_DEADLINE = re.compile(rf"{_MONTH_DATE}|{_PERIOD}|{_HERE}|{_DURATION}|{_FESTIVAL}|{_YEAR_ONLY}")
_DEADLINE_AHEAD = re.compile(rf"(?:于|在|要|务必|必须|须)?(?:{_MONTH_DATE}|{_PERIOD}|{_HERE}|{_DURATION}|{_FESTIVAL})")
_NOT_AFTER_DATE = re.compile(r"以来|来|同期|相比|比|的|目标|任务|计划|指标|工作|经济|是|以后|之后|后|开始|起|期间|"
                             r"确定|制定|提出|下达|召开|印发|出台的|"
                             r"时|和|、|至|到|-|—|～|~|累计|[0-9]")
_NOT_BEFORE_DATE = re.compile(r"(?:去年|上年|前年|截至|截止|同比|与|比|较|每|从|自|近|今年以来|距|到了|至)$")
_HAS_LIMIT = re.compile(r"(?:前|内|底|末)$")


def deadline_spans(text: str, entities: Sequence = ()) -> list[tuple[int, int]]:
    """DEADLINE spans of one sentence (see the module doc)."""
    found = []
    clauses = _clauses(text)
    past = _Past(text)
    for clause in clauses:
        for m in _DEADLINE.finditer(text, *clause):
            if _good_date(text, m.start(), m.end(), clause, past):
                found.append(m.span())
    taken = set(found)
    for s, e, label in entities:
        if label != "DATE":
            continue
        limit = re.match(_LIMIT + r"|底|末", text[e:])
        if limit is None:
            continue
        e2 = e + limit.end()
        clause = _clause_at(clauses, s)
        if clause is None or any(a < e2 and s < b for a, b in taken):
            continue
        if _good_date(text, s, e2, clause, past):
            found.append((s, e2))
    return sorted(set(found))


def _good_date(text: str, s: int, e: int, clause: tuple[int, int], past: "_Past") -> bool:
    c_start, c_end = clause
    span = text[s:e]
    if _NOT_BEFORE_DATE.search(text[max(c_start, s - 4):s]) or text[max(0, s - 1):s] in ("第",):
        return False
    if _NOT_AFTER_DATE.match(text, e, c_end):
        return False
    if past.anywhere(clause) and not _HAS_LIMIT.search(span):
        return False
    if past.before(clause, s):
        return False
    if span in ("年度", "当年"):
        return False
    return True


# ------------------------------------------------------------------ TARGET

_NUM = (r"(?:\d+(?:[.．]\d+)?|X{2,}(?:[.．]X+)?|[一二两三四五六七八九十][一二两三四五六七八九十百千零]*)"
        r"(?:[万亿千百]+)?")
_RANGE = rf"{_NUM}(?:[-~～—至到]{_NUM})?"
_UNIT = (r"(?:%|％|个百分点|百分点|亿美元|万美元|千万元|亿元|万元|美元|元|万亩|亩|公顷|万平方米|平方米|平方公里|"
         r"公里|千米|米|万吨|吨|万千瓦|千瓦时|千瓦|兆瓦|万人次|人次|万人|人|名|户|家|个工作日|工作日|小时|"
         r"个|项|件|座|所|处|条|套|台|辆|张|床|次|场|栋|间|倍|天)")
_PRE = r"(?:不少于|不低于|不超过|不高于|不多于|超过|高于|低于|少于|至少)"
_POST = r"(?:以上|以下|以内|之内|左右)"
_TARGET = re.compile(rf"(?P<pre>{_PRE})?(?P<num>{_RANGE}{_UNIT}|百分之[0-9一二三四五六七八九十百点.]+)(?P<post>{_POST})?")
_TRIGGER = re.compile(
    r"增长|增加|增速|达到|达|完成|实现|新增|新签约|签约|引进|招引|培育|新建|建成|开工|投产|竣工|盘活|压缩|缩短|"
    r"控制|提高|提升|降低|降至|下降|减少|突破|争取|储备|谋划|落地|培训|帮扶|改造|收储|发放|兑现|打造|创建|"
    r"认定|申报|入库|招聘|吸纳|安置|带动|覆盖|保持|稳定|确保|力争|不低于|招商|签订|建设|办结|整改|清理|"
    r"化解|回收|上缴|收入|投资|增幅|占比|比重|率")
_REFERENCE = re.compile(r"按照|根据|对照|围绕|确定的|下达的|提出的|明确的")
_NOT_BEFORE_NUM = re.compile(r"(?:对|针对|聚焦|围绕|就|把|从|第|每|前|近|这|那|该|其中|共|和|、|这些|以|为|由)$")
_NUMBER_START = re.compile(r"[0-9０-９]|XX|[一二两三四五六七八九十]|百分之")
_CN_ONLY = re.compile(r"^[一二两三四五六七八九十百千零万亿]+")


def target_spans(text: str, entities: Sequence = ()) -> list[tuple[int, int]]:
    """TARGET spans of one sentence (see the module doc)."""
    candidates = [(m.start(), m.end(), m.group("pre"), m.group("post"), m.start("num"), m.end("num"))
                  for m in _TARGET.finditer(text)]
    for s, e, label in entities:
        if (label in ("PERCENT", "MONEY", "QUANTITY") and _NUMBER_START.match(text, s)
                and not any(a < e and s < b for a, b, *_ in candidates)):
            pre = re.search(_PRE + "$", text[max(0, s - 3):s])
            post = re.match(_POST, text[e:])
            candidates.append((s - (len(pre.group()) if pre else 0), e + (post.end() if post else 0),
                               pre and pre.group(), post and post.group(), s, e))
    clauses = _clauses(text)
    past = _Past(text)
    found = []
    for s, e, pre, post, ns, ne in candidates:
        clause = _clause_at(clauses, s)
        if clause is None:
            continue
        c_start, c_end = clause
        number = text[ns:ne]
        if past.before(clause, s):
            continue
        before = text[max(c_start, s - _WINDOW):s]
        if text.startswith("的", e) and (not (pre or post) or _REFERENCE.search(before)):
            continue
        if not (pre or post):
            if _CN_ONLY.match(number) and not re.match(r"百分之", number):
                continue  # 一个, 两项, 三次: counts, not targets
            percent = re.search(r"%|％|百分点|百分之", number)
            if _NOT_BEFORE_NUM.search(before):
                continue
            if not percent and not _triggered(before):
                continue
        elif _CN_ONLY.match(number) and not re.search(r"[十百千万亿]", number) and not pre:
            continue  # 一批以上? keep only clear comparisons of small spelled numbers with a prefix
        found.append((s, e))
    return sorted(set(found))


def _triggered(before: str) -> bool:
    """A goal verb shortly before the number, with no 的 between (总投资XX亿元的XX个项目: no)."""
    last = None
    for last in _TRIGGER.finditer(before):
        pass
    if last is None:
        return False
    gap = before[last.end():]
    return len(gap) <= 12 and "的" not in gap


# ------------------------------------------------------------------ together

def _durations_as_targets(text: str, deadlines: list, targets: list) -> tuple[list, list]:
    """A period that is the goal value (压缩到1个工作日以内) is a target; one that limits the
    action (3个工作日内办结) is a deadline."""
    keep_d, keep_t = [], list(targets)
    for s, e in deadlines:
        overlap = [t for t in keep_t if t[0] < e and s < t[1]]
        if not overlap:
            keep_d.append((s, e))
            continue
        first = min(s, *(t[0] for t in overlap))
        if text[max(0, first - 1):first] in ("到", "至", "在", "为", "于"):
            continue
        keep_t = [t for t in keep_t if t not in overlap]
        keep_d.append((s, e))
    return keep_d, keep_t


def task_spans(sentence_text: str, entities: Iterable | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, role)`` spans of ``sentence_text`` (roles ``ACTOR``, ``DEADLINE``,
    ``TARGET``; offsets relative to the sentence; sorted; no overlaps).

    ``entities``: optional ``(start, end, label)`` of the sentence's entities (ANNOTATION.md
    labels, offsets relative to the sentence), e.g. from ``doc.ents``.
    """
    text = sentence_text
    ents = [(int(s), int(e), str(label)) for s, e, label in (entities or ()) if 0 <= s < e <= len(text)]
    deadlines = deadline_spans(text, ents)
    targets = target_spans(text, ents)
    deadlines, targets = _durations_as_targets(text, deadlines, targets)
    actors = actor_spans(text, ents, deadlines)
    out: list[tuple[int, int, str]] = []
    taken = bytearray(len(text))
    for role, spans in (("ACTOR", actors), ("TARGET", targets), ("DEADLINE", deadlines)):
        for s, e in sorted(spans, key=lambda x: (x[0], -(x[1] - x[0]))):
            if s < e and not any(taken[s:e]):
                out.append((s, e, role))
                taken[s:e] = b"\x01" * (e - s)
    return sorted(out)


__all__ = ["ROLES", "task_spans", "actor_spans", "deadline_spans", "target_spans", "is_unit"]
