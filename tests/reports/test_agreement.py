import dataclasses
import re
import subprocess
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from reports.agreement import (
    Party,
    Sex,
    canonical_content,
    content_hash,
    render_agreement_html,
    render_agreement_pdf,
    render_rights_notice_pdf,
)
from reports.verify import read_document_record


def test_agreement_states_every_element_the_law_requires(make_agreement, pdf_text):
    agreement = make_agreement(issued=True)
    text = pdf_text(render_agreement_pdf(agreement))
    required = [
        "人民调解协议书",
        "东关村人民调解委员会",  # the issuing committee
        "受邀调解员：周红",
        # the parties' particulars (art. 29 (1))
        "张三，男，汉族，1968年4月2日出生",
        "李四，女，公民身份号码140581197203150021",
        "高平市南城街道东关村12号",
        "13800000002",
        # facts, issues, responsibilities (art. 29 (2))
        "纠纷的主要事实",
        "乙方2024年翻建院墙时越界约半米",
        "争议事项",
        "院墙是否越界",
        "各方当事人的责任",
        "负主要责任",
        # what was agreed, how and by when it is performed (art. 29 (3))
        "拆除越界部分院墙",
        "履行方式：由义务人自行履行，一次性履行，自行拆除，村委会到场见证",
        "履行方式：现金支付，一次性履行",
        "履行期限：2026年4月5日前",
        # signatures, fingerprints, the committee's seal, copies (art. 29)
        "甲方（签名或按指印）",
        "乙方（签名或按指印）",
        "人民调解员（签名）",
        "东关村人民调解委员会（印章）",
        "2026年3月6日",
        "本协议书一式三份，当事人各执一份，人民调解委员会留存一份",
        # binding force (art. 31) and judicial confirmation (art. 33)
        "具有法律约束力",
        "三十日内共同向人民法院申请司法确认",
        content_hash(agreement),
    ]
    flat = text.replace("\n", "").replace(" ", "")
    missing = [item for item in required if item.replace(" ", "") not in flat]
    assert not missing


def test_copies_are_one_per_party_plus_the_committee(make_agreement):
    agreement = make_agreement()
    third = dataclasses.replace(agreement.parties[0], role="丙方", name="王五")
    assert make_agreement(parties=(*agreement.parties, third)).copies == 4


def test_party_needs_a_birth_date_or_an_id_number():
    with pytest.raises(ValueError):
        Party("甲方", "张三", Sex.MALE, "东关村12号", "13800000001")
    assert Party("甲方", "张三", Sex.MALE, "东关村", "138", birth_date=date(1968, 4, 2))


def test_agreement_needs_two_parties_and_a_mediator(make_agreement):
    agreement = make_agreement()
    with pytest.raises(ValueError):
        make_agreement(parties=agreement.parties[:1])
    with pytest.raises(ValueError):
        make_agreement(mediators=())


def test_unissued_agreement_prints_as_the_signing_copy(make_agreement, page_texts):
    agreement = make_agreement()
    pages = page_texts(render_agreement_pdf(agreement))
    assert not any("DRAFT" in page for page in pages)  # nothing across the parties' signatures
    assert "签署本" in pages[-1] and content_hash(agreement)[:16] in pages[-1]


def test_agreement_record_is_readable(make_agreement):
    agreement = make_agreement(issued=True)
    record = read_document_record(render_agreement_pdf(agreement))
    assert (record.kind, record.number) == ("agreement", "南城调〔2026〕0007号")
    assert record.content_hash == content_hash(agreement)


def test_agreement_content_is_tagged_with_its_kind(make_agreement):
    assert canonical_content(make_agreement()).startswith(b'{"content":')
    assert b'"schema":"agreement/2"' in canonical_content(make_agreement())


def test_facts_are_sanitised(make_agreement):
    html = render_agreement_html(make_agreement(facts='事实<img src="file:///etc/passwd">'))
    assert '<img src="file' not in html and "事实" in html


def test_rights_notice_gives_each_party_their_rights_and_duties(make_agreement, page_texts):
    pages = page_texts(render_rights_notice_pdf(make_agreement()))
    assert len(pages) == 2
    for page, name in zip(pages, ("张三", "李四"), strict=True):
        flat = page.replace("\n", "")
        assert f"{name}（" in flat
        for item in (
            "选择或者接受人民调解员",
            "接受调解、拒绝调解或者要求终止调解",
            "要求调解公开进行或者不公开进行",
            "自主表达意愿、自愿达成调解协议",
            "如实陈述纠纷事实",
            "遵守调解现场秩序，尊重人民调解员",
            "尊重对方当事人行使权利",
            "不收取任何费用",
        ):
            assert item in flat, (name, item)


def test_rights_notice_parts_come_in_order_on_one_sheet_per_party(make_agreement, pdf_text):
    pdf = render_rights_notice_pdf(make_agreement())
    assert len(PdfReader(BytesIO(pdf)).pages) == 2
    text = "".join(pdf_text(pdf, page=1).split())
    parts = ("东关村人民调解委员会", "人民调解当事人权利义务告知书", "张三（甲方）：",
             "当事人享有下列权利", "当事人应当履行下列义务", "人民调解员的保密义务",
             "不得泄露当事人的个人隐私、商业秘密", "调解协议的效力和司法确认", "具有法律约束力",
             "三十日内共同向人民法院申请司法确认", "告知人（签名）", "当事人（签名或按指印）",
             "年月日")
    at = 0
    for part in parts:
        at = text.find(part, at)
        assert at >= 0, part


def test_rights_notice_date_line_is_right_aligned(make_agreement):
    pdf = render_rights_notice_pdf(make_agreement())
    layout = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", "-", "-"],
                            input=pdf, capture_output=True, check=True).stdout.decode()
    date_line = next(line for line in reversed(layout.splitlines())
                     if re.fullmatch(r"\s*年\s*月\s*日\s*", line))
    signer_line = next(line for line in layout.splitlines() if "告知人" in line)
    indent = len(date_line) - len(date_line.lstrip())
    assert indent > len(signer_line) - len(signer_line.lstrip()) + 20


def test_confirmation_application_is_filled_from_the_agreement(make_agreement, pdf_text):
    from reports.agreement import render_confirmation_application_pdf

    pdf = render_confirmation_application_pdf(
        make_agreement(), court="高平市人民法院", effective_on=date(2026, 3, 6),
        deadline=date(2026, 4, 5))
    text = "".join(pdf_text(pdf).split())
    parts = ("司法确认申请书", "申请人（甲方）：张三，男，汉族", "申请人（乙方）：李四，女",
             "请求事项", "请求人民法院依法确认申请人于2026年3月6日经东关村人民调解委员会调解达成的"
             "南城调〔2026〕0007号人民调解协议书有效", "事实和理由", "拆除越界部分院墙",
             "法释〔2011〕5号", "申请人承诺", "没有恶意串通、规避法律的行为", "此致",
             "高平市人民法院", "附", "申请人（签名或按指印）")
    at = 0
    for part in parts:
        at = text.find(part, at)
        assert at >= 0, part
    # One signature line with its own date per party.
    assert text.count("申请人（签名或按指印）") == 2 and text.count("月日") == 2
    assert "请于2026年4月5日前" in text
