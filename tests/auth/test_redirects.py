"""After sign-in and a language change the browser goes only to a path on this site."""

import pytest

from portal.redirects import local_path

LEAVING = ["//evil.example/x", "/%09/evil.example/path", "/%09%09/evil.example/",
           "/\\evil.example", "/%5Cevil.example", "https://evil.example/", "/%0d%0aSet-Cookie:x",
           "/%0a/evil.example", "/ /evil.example", "javascript:alert(1)", "/%2F/evil.example"]


@pytest.mark.parametrize("target", LEAVING)
def test_sign_in_never_leaves_the_site(client, make, target):
    user = make.user()
    response = client.post(f"/login?next={target}",
                           data={"username": user.username, "password": make.PASSWORD})
    assert response.status_code == 302 and response.location == "/"


def test_sign_in_goes_on_to_the_page_asked_for(client, make):
    user = make.user()
    response = client.post("/login?next=/disputes%3Fpage%3D2",
                           data={"username": user.username, "password": make.PASSWORD})
    assert response.location == "/disputes?page=2"


@pytest.mark.parametrize("target", ["/\t/evil.example/", "//evil.example", "/\r\nX: y"])
def test_the_language_switch_never_leaves_the_site(client, target):
    response = client.post("/language", data={"language": "en", "next": target})
    assert response.status_code == 302 and response.location == "/"


def test_plain_paths_are_kept():
    assert local_path("/conferences/3?tab=minutes#x") == "/conferences/3?tab=minutes#x"
    assert local_path(None) is None and local_path("disputes") is None
