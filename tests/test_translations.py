import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_both_catalogues_translate_every_message():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _chinese():
    from babel.messages.pofile import read_po

    path = ROOT / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def test_the_chinese_catalogue_reads_as_a_clerk_writes():
    chinese = _chinese()
    assert not [s for s in chinese.values() if "帐" in s]  # 账, as in 四笔账
    assert not [s for s in chinese.values() if "法定人数" in s]  # the rule is "all confirmed"
    assert not [s for s in chinese.values() if "代为出席" in s]
    assert not [s for s in chinese.values() if "记录人" in s]  # the role is 记录员
    assert chinese["Secretary"] == "记录员"
    assert chinese["Close"] == "办结"
    assert chinese["No quorum yet"].endswith("未全部确认参会")


def test_buttons_and_columns_say_what_they_are(make, login, client):
    from portal.disputes import services
    from portal.extensions import db
    from portal.notifications.services import notify
    from portal.orgs.models import Role

    convener = make.user(Role.CONVENER)
    dispute = make.dispute(reporter=convener)
    services.assign(convener, dispute, convener)
    services.handle(convener, dispute, "现场调解")
    services.resolve(convener, dispute, "双方和解")
    services.record_feedback(convener, dispute, "phone", "已告知", "satisfied")
    login(convener)
    notices = client.get(f"/followup/disputes/{dispute.id}").get_data(as_text=True)
    assert ">登记告知</button>" in notices and ">会商记录</button>" not in notices
    detail = client.get(f"/disputes/{dispute.id}").get_data(as_text=True)
    assert ">办结</button>" in detail and ">关闭</button>" not in detail
    client.post("/logout")
    notify(make.user(email="head@court.example.cn"), "quorum_reached", "/conferences/9",
           conference_title="工资拖欠纠纷", reference="南城矛〔2026〕3号")
    db.session.commit()
    login(make.user(Role.ADMIN))
    outbox = client.get("/admin/outbox").get_data(as_text=True)
    assert "<th>接收人</th>" in outbox and "<th>截止日期</th>" not in outbox
