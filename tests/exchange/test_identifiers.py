"""The API's licence publishing normalises a holder's certificate number as every form does, or refuses it."""

import pytest

from approvals.models import Licence
from tests.exchange.test_auth import assert_error
from tests.exchange.test_licences import LICENCES, body, licence_type  # noqa: F401 - the fixture
from tests.factories import UserFactory, make_credit_code, make_id_number

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_a_full_width_id_number_links_the_holder_of_the_ascii_one(api, world, licence_type):  # noqa: F811
    number = make_id_number()
    holder = UserFactory(cert=("resident_id", number))
    spelled = number.translate(FULL_WIDTH)
    response = api.post(LICENCES, body(holder_cert_type="resident_id", holder_cert_number=spelled), format="json")
    assert response.status_code == 201, response.content
    licence = Licence.objects.get(pk=response.json()["id"])
    assert licence.holder == holder and licence.holder_cert_masked == holder.cert_masked
    assert licence.holder_cert_masked.isascii()


def test_a_spaced_lower_case_credit_code_links_the_enterprise(api, world, licence_type):  # noqa: F811
    code = make_credit_code()
    holder = UserFactory(cert=("credit_code", code), kind="enterprise")
    spelled = f"{code[:6]} {code[6:12]}-{code[12:]}".lower()
    response = api.post(LICENCES, body(holder_cert_type="credit_code", holder_cert_number=spelled), format="json")
    assert response.status_code == 201, response.content
    assert Licence.objects.get(pk=response.json()["id"]).holder == holder


def test_an_id_number_in_digits_of_another_script_is_refused(api, world, licence_type):  # noqa: F811
    arabic_indic = make_id_number().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = api.post(LICENCES, body(holder_cert_type="resident_id", holder_cert_number=arabic_indic), format="json")
    assert_error(response, 400, "invalid")
    assert not Licence.objects.exists()
