from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from chitra.payments import services
from chitra.payments.compute.sql import Compute, Part, index_lookups
from chitra.payments.errors import PaymentError
from chitra.payments.models import (
    CycleExclusion,
    CycleStatus,
    ExclusionReason,
    ItemStatus,
    Obligation,
    ObligationStatus,
    PaymentCycle,
    PaymentItem,
)
from chitra.registry.models import (
    BeneficiaryStatus,
    Benefit,
    BenefitStatus,
    BenefitType,
    Channel,
    PaymentAccount,
)
from tests import factories as f
from tests.payments.factories import DEC, NOV, approved_cycle, computed_cycle


def test_compute_freezes_one_item_per_due_benefit():
    cash = f.beneficiary("Lò Văn Pọm", amount=3_100_000)
    bank = f.beneficiary("Tẩn Thị Mẩy", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                         account_number="123456789012", amount=4_200_000)
    cycle = computed_cycle()
    assert cycle.status == CycleStatus.COMPUTED
    items = {i.beneficiary_id: i for i in PaymentItem.objects.filter(cycle=cycle)}
    assert set(items) == {cash.id, bank.id}
    assert items[bank.id].account_number == "123456789012"
    assert items[bank.id].amount == 4_200_000
    assert items[bank.id].payment_date == date(2026, 11, 2)  # first working day
    assert items[cash.id].channel == Channel.CASH
    assert 2 <= items[cash.id].payment_date.day <= 12
    assert all(i.status == ItemStatus.PENDING for i in items.values())


def test_registry_edit_after_compute_does_not_change_the_cycle():
    b = f.beneficiary("Lò Văn Pọm", channel=Channel.BANK_ACCOUNT, account_number="1111111111111")
    cycle = computed_cycle()
    b.full_name = "Lò Văn Pọm Mới"
    b.save()
    PaymentAccount.objects.filter(beneficiary=b).update(account_number="2222222222222")
    Benefit.objects.filter(beneficiary=b).update(amount=9_999_000)
    item = PaymentItem.objects.get(cycle=cycle)
    assert (item.full_name, item.account_number, item.amount) == (
        "Lò Văn Pọm", "1111111111111", 5_250_000)


def test_suspended_and_deceased_produce_no_item_with_reason():
    ok = f.beneficiary("Lò Văn A")
    gone = f.beneficiary("Lò Văn B")
    gone.status, gone.status_reason = BeneficiaryStatus.DECEASED, "báo tử 03/11/2026"
    gone.save()
    held = f.beneficiary("Lò Văn C")
    held.status, held.status_reason = BeneficiaryStatus.SUSPENDED, "chờ xác minh"
    held.save()
    cycle = computed_cycle()
    paid = PaymentItem.objects.filter(cycle=cycle).values_list("beneficiary_id", flat=True)
    assert list(paid) == [ok.id]
    reasons = dict(CycleExclusion.objects.filter(cycle=cycle)
                   .values_list("beneficiary_id", "reason"))
    assert reasons == {gone.id: ExclusionReason.DECEASED, held.id: ExclusionReason.SUSPENDED}


def test_a_held_benefit_and_a_person_without_account_are_listed_as_excluded():
    ok = f.beneficiary("Lò Văn A")
    held = f.beneficiary("Lò Văn B")
    Benefit.objects.filter(beneficiary=held).update(status=BenefitStatus.SUSPENDED)
    closed = f.beneficiary("Lò Văn C")
    PaymentAccount.objects.filter(beneficiary=closed).update(valid_to=date(2026, 10, 31))
    cycle = computed_cycle()
    paid = PaymentItem.objects.filter(cycle=cycle).values_list("beneficiary_id", flat=True)
    assert list(paid) == [ok.id]
    reasons = dict(CycleExclusion.objects.filter(cycle=cycle)
                   .values_list("beneficiary_id", "reason"))
    assert reasons == {held.id: ExclusionReason.SUSPENDED, closed.id: ExclusionReason.NO_ACCOUNT}
    assert Obligation.objects.filter(cycle=cycle).count() == 2  # owed, but nowhere to pay


def test_an_obligation_that_got_no_item_is_paid_next_month_once_there_is_an_account():
    person = f.beneficiary("Lò Văn C")
    PaymentAccount.objects.filter(beneficiary=person).update(valid_to=date(2026, 10, 31))
    nov = computed_cycle(NOV)
    owed = Obligation.objects.get(cycle=nov)
    assert not PaymentItem.objects.filter(obligation=owed).exists()
    assert owed.status == ObligationStatus.OPEN
    PaymentAccount.objects.filter(beneficiary=person).update(valid_to=None)
    dec = computed_cycle(DEC)
    paid_in_dec = PaymentItem.objects.filter(cycle=dec, beneficiary=person)
    assert sorted(i.obligation.period for i in paid_in_dec) == [NOV, DEC]
    assert paid_in_dec.get(obligation=owed).replaces_id is None
    again = services.compute_cycle(dec.pk, "officer")  # a recompute makes the same
    assert PaymentItem.objects.filter(cycle=again, beneficiary=person).count() == 2


def test_a_rejected_reissue_is_reissued_again_and_its_first_attempt_not_twice():
    """The reissues pass over an attempt already reissued: its newer attempt stands for it."""
    person = f.beneficiary("Lò Văn D")
    nov = computed_cycle(NOV)
    first = PaymentItem.objects.get(cycle=nov)
    PaymentItem.objects.filter(pk=first.pk).update(status=ItemStatus.REJECTED,
                                                   reason_code="AC04")
    dec = computed_cycle(DEC)
    second = PaymentItem.objects.get(cycle=dec, obligation=first.obligation)
    assert second.replaces_id == first.pk
    PaymentItem.objects.filter(pk=second.pk).update(status=ItemStatus.REJECTED,
                                                    reason_code="AC04")
    jan = computed_cycle(date(2027, 1, 1))
    owed_in_nov = PaymentItem.objects.filter(cycle=jan, obligation=first.obligation)
    assert [i.replaces_id for i in owed_in_nov] == [second.pk]  # one attempt, after the last
    # with January's own; December's own attempt is live, not reissued
    assert PaymentItem.objects.filter(cycle=jan, beneficiary=person).count() == 2


def _setting(name: str) -> str:
    with connection.cursor() as c:
        c.execute("SELECT current_setting(%s)", [name])
        return str(c.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner settings")
def test_the_reissues_look_each_attempt_up_by_index_then_the_transaction_plans_as_before():
    """Planned freely, the reissues merged a province's month with every reissue of the
    nation (a year's history). Inside the block, index lookups; after it, the transaction's
    own settings, such as a part's nested loops turned off."""
    person = f.beneficiary("Lò Văn E")
    nov = computed_cycle(NOV)
    PaymentItem.objects.filter(cycle=nov).update(status=ItemStatus.REJECTED, reason_code="AC04")
    sql = Compute(services.open_cycle("12", DEC, "officer"))
    with transaction.atomic():
        with connection.cursor() as c:
            c.execute("SET LOCAL enable_nestloop = off")
        with index_lookups():
            assert [_setting(n) for n in ("enable_nestloop", "enable_hashjoin",
                                          "enable_mergejoin")] == ["on", "off", "off"]
            with connection.cursor() as c:
                c.execute("EXPLAIN " + sql.reissue_sql(), sql.p)
                plan = "\n".join(row[0] for row in c.fetchall())
            made = sql.reissues()
        assert [_setting(n) for n in ("enable_nestloop", "enable_hashjoin",
                                      "enable_mergejoin")] == ["off", "on", "on"]
        transaction.set_rollback(True)
    assert "Merge" not in plan
    assert "Hash Join" not in plan
    assert "Hash Anti" not in plan
    assert "item_reissue_of" in plan  # each attempt's reissue looked up in its index
    assert made == 1  # the rejected November attempt, reissued
    assert PaymentItem.objects.filter(beneficiary=person).count() == 1  # rolled back


def test_a_part_reissues_from_its_own_peoples_closed_attempts_looked_up_by_cycle_and_person():
    """A part of a compute reads only its own people's closed attempts, from the closed
    items' index keyed by cycle then person. Items have no index that starts with the
    person: every compute wrote into its middle (December's compute a fifth slower)."""
    person = f.beneficiary("Lò Văn E")
    nov = computed_cycle(NOV)
    PaymentItem.objects.filter(cycle=nov).update(status=ItemStatus.REJECTED, reason_code="AC04")
    sql = Compute(services.open_cycle("12", DEC, "officer"))
    mine, others = Part(person.pk, person.pk), Part(person.pk + 1, person.pk + 1000)
    text = sql.reissue_sql(mine)  # the attempts and the no-account exclusions, by person
    assert f"r.beneficiary_id BETWEEN {person.pk} AND {person.pk}" in text
    assert f"e.beneficiary_id BETWEEN {person.pk} AND {person.pk}" in text
    with transaction.atomic():
        assert (sql.reissues(others), sql.reissues(mine)) == (0, 1)
        if connection.vendor == "postgresql":
            with index_lookups(), connection.cursor() as c:
                c.execute("EXPLAIN " + sql.reissue_sql(others), sql.p)
                plan = "\n".join(row[0] for row in c.fetchall())
            assert "item_closed_by_cycle" in plan
            found = plan[plan.index("item_closed_by_cycle"):]
            assert "beneficiary_id >=" in found[:found.index("\n", found.index("Index Cond"))]
        transaction.set_rollback(True)
    with connection.cursor() as c:
        indexes = connection.introspection.get_constraints(c, PaymentItem._meta.db_table)
    assert indexes["item_closed_by_cycle"]["columns"] == [
        "cycle_id", "beneficiary_id", "obligation_id", "id"]
    assert [name for name, i in indexes.items()
            if i["index"] and i["columns"][:1] == ["beneficiary_id"]] == []


def test_benefits_not_due_this_month_are_left_out():
    ended = f.beneficiary("Lò Văn Hết")
    Benefit.objects.filter(beneficiary=ended).update(end_date=date(2026, 10, 31))
    future = f.beneficiary("Lò Văn Sau")
    Benefit.objects.filter(beneficiary=future).update(start_date=date(2026, 12, 1))
    cycle = computed_cycle()
    assert not PaymentItem.objects.filter(cycle=cycle).exists()


def test_one_time_benefit_is_paid_once_not_every_month():
    f.beneficiary("Vàng Thị Dung", benefit_type=BenefitType.MATERNITY, amount=18_000_000)
    nov = approved_cycle(NOV)
    dec = computed_cycle(DEC)
    assert nov.items.count() == 1
    assert dec.items.count() == 0


def test_recompute_of_unapproved_cycle_replaces_items():
    b = f.beneficiary()
    cycle = computed_cycle()
    first = list(PaymentItem.objects.filter(cycle=cycle).values_list("id", flat=True))
    Benefit.objects.filter(beneficiary=b).update(amount=6_000_000)
    services.compute_cycle(cycle.pk, "officer")
    items = PaymentItem.objects.filter(cycle=cycle)
    assert items.count() == 1
    assert items.get().amount == 6_000_000
    assert items.get().id not in first
    assert Obligation.objects.filter(benefit__beneficiary=b).count() == 1


def test_approved_cycle_cannot_be_recomputed():
    f.beneficiary()
    cycle = approved_cycle()
    with pytest.raises(PaymentError) as e:
        services.compute_cycle(cycle.pk, "officer")
    assert e.value.code == "cycle_state"


def test_maker_cannot_approve_own_cycle():
    f.beneficiary()
    cycle = computed_cycle(maker="officer")
    with pytest.raises(PaymentError) as e:
        services.approve_cycle(cycle.pk, "officer")
    assert e.value.code == "maker_checker"
    assert PaymentCycle.objects.get(pk=cycle.pk).status == CycleStatus.COMPUTED


def test_database_refuses_maker_as_checker():
    cycle = computed_cycle(maker="officer")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentCycle.objects.filter(pk=cycle.pk).update(approved_by="officer")


def test_database_refuses_second_obligation_for_benefit_and_period():
    f.beneficiary()
    cycle = computed_cycle()
    o = Obligation.objects.get(cycle=cycle)
    with pytest.raises(IntegrityError), transaction.atomic():
        Obligation.objects.create(cycle=cycle, benefit=o.benefit, beneficiary=o.beneficiary,
                                  period=o.period, amount=1)


def test_database_refuses_second_live_item_for_an_obligation():
    f.beneficiary()
    cycle = computed_cycle()
    item = PaymentItem.objects.get(cycle=cycle)
    copy = PaymentItem.objects.filter(pk=item.pk).values()[0]
    copy.pop("id")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentItem.objects.create(**copy)
    # ...but a new attempt after a rejection is allowed
    PaymentItem.objects.filter(pk=item.pk).update(status=ItemStatus.REJECTED)
    PaymentItem.objects.create(**copy)


def test_second_open_of_same_month_is_refused():
    services.open_cycle("12", NOV, "officer")
    with pytest.raises(PaymentError) as e:
        services.open_cycle("12", NOV, "officer")
    assert e.value.code == "cycle_exists"


@pytest.mark.parametrize("text", ["2026-13", "2026", "abc", "2026-11-01"])
def test_bad_period_text_is_refused(text):
    with pytest.raises(PaymentError):
        services.parse_period(text)
