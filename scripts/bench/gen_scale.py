#!/usr/bin/env python3
"""Scale data for the public-read benchmarks (issue 16), with valid identifiers.

  gen_scale.py list N OUT.csv
      An external list (失信被执行人) of N legal persons as `xyjt lists import-external` reads it
      (名称, 代码, 列入日期, 列入机关, 依据): distinct names, valid USCCs (division 990100).

  gen_scale.py subjects N OUT.sql
      SQL that adds N companies to a database's `subjects` and `subject_names` projections
      (rows only, not ledger events: a read benchmark; `xyjt verify` would refuse the copy).
      The name search index follows through the tables' triggers (SQLite) or the GIN index
      (PostgreSQL). Load with `sqlite3 DB < OUT.sql` or `psql -f OUT.sql`.

Names are drawn from fixed word lists with a seeded generator, so runs are repeatable.
"""
import random
import sys

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
ORG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

PLACES = "东湖 西岭 南山 北塘 临江 青石 白沙 金川 银河 长风 清源 安平 永宁 丰乐 广顺 新桥 平湖 松林 石门 龙泉".split()
WORDS = ("顺达 通达 恒信 宏远 腾飞 安捷 畅通 鼎盛 华运 盛通 联运 捷运 远航 启航 天成 万顺 "
         "嘉禾 兴旺 利民 合众 诚信 吉祥 瑞丰 汇通 凯达 锦程 泰和 中远 东方 四海").split()
TRADES = "物流 运输 货运 客运 汽车租赁 路桥 工程 建设 港务 航运 驾驶培训 汽车维修".split()
FORMS = "有限公司 有限责任公司 股份有限公司 集团有限公司".split()


def org_check(body8):
    s = sum(ORG_CHARS.index(c) * w for c, w in zip(body8, ORG_WEIGHTS))
    c = 11 - s % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


def uscc(n):
    # "M" and n in 7 base-31 characters: distinct, 8 characters, valid for any n < 31**7.
    digits = ""
    for _ in range(7):
        n, r = divmod(n, 31)
        digits = USCC_CHARS[r] + digits
    body = "M" + digits
    org = body + org_check(body)
    first = "91990100" + org
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(first, USCC_WEIGHTS))
    c = (31 - s % 31) % 31
    return first + USCC_CHARS[c]


def name(rng, n):
    # Unique by a serial in the name's trade part, like real registers' 分公司 / numbered firms.
    return f"{rng.choice(PLACES)}{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(TRADES)}{n}号{rng.choice(FORMS)}"


def main():
    kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(20261130)
    with open(out, "w", encoding="utf-8") as f:
        if kind == "list":
            f.write("名称,代码,列入日期,列入机关,依据\n")
            for i in range(n):
                day = f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}"
                f.write(f"{name(rng, i)},{uscc(i)},{day},示范省高级人民法院,《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条\n")
        elif kind == "subjects":
            f.write("BEGIN;\n")
            for i in range(n):
                nm = name(rng, i)
                code = uscc(500000 + i)
                sid = f"scale-{i:08d}"
                data = ('{"id":"%s","kind":"法人及非法人组织","name":"%s","uscc":"%s"}' % (sid, nm, code))
                f.write(
                    f"INSERT INTO subjects (id, kind, name, name_key, uscc, data, last_seq) VALUES "
                    f"('{sid}','法人及非法人组织','{nm}','{nm}','{code}','{data}',1);\n"
                    f"INSERT INTO subject_names (subject_id, seq, name, name_key) VALUES "
                    f"('{sid}',1,'{nm}','{nm}');\n"
                )
            f.write("COMMIT;\n")
        else:
            sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()
