"""Which ALB_URL values ImageAssessor accepts, and the one-line refusal for the others."""

from __future__ import annotations

import io
import ipaddress
import json
import re

import pytest
from image_assessor import ConfigError, load_settings, main
from image_assessor.assessor import ALB_URL_ALLOWED, REFUSED_NETWORKS

SECRET = "s3cr3t-pw"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:8080/", "http://localhost:8080"),
        ("https://internal-cats-1234.us-west-2.elb.amazonaws.com", None),
        ("https://cats.example.com/prefix/", "https://cats.example.com/prefix"),
        ("https://cats.example.com.", None),
        ("HTTP://Cats.Example.COM", None),
        ("http://10.0.1.5", None),
        ("http://[::1]:8080", None),
        ("http://[2001:db8::10]", None),
        ("http://xn--bcher-kva.example", None),
        ("http://cats-1.example.com:65535", None),
    ],
)
def test_accepted_urls(value, expected):
    assert load_settings({"ALB_URL": value}).alb_url == (expected or value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not-a-url", "is not an http:// or https:// URL with a host"),
        ("ftp://cats.example.com", "is not an http:// or https:// URL with a host"),
        ("http://", "is not an http:// or https:// URL with a host"),
        ("http:///cats", "is not an http:// or https:// URL with a host"),
        ("http://:8080", "is not an http:// or https:// URL with a host"),
        (f"https://admin:{SECRET}@alb.example.com", "has user info"),
        (f"https://{SECRET}@alb.example.com/x", "has user info"),
        ("https://@alb.example.com", "has user info"),
        ("http://alb.example.com/?debug=1", "has a query string"),
        ("http://alb.example.com?", "has a query string"),
        ("http://alb.example.com/#top", "has a fragment"),
        ("http://alb.example.com#", "has a fragment"),
        ("http://alb.example.com:99999", "has a port that is not a number from 1 to 65535"),
        ("http://alb.example.com:0", "has a port that is not a number from 1 to 65535"),
        ("http://alb.example.com:http", "has a port that is not a number from 1 to 65535"),
        ("http://exa\tmple.com", "contains white space or control characters"),
        ("http://alb.example.com/a b", "contains white space or control characters"),
        ("http://alb.exa\x00mple.com", "contains white space or control characters"),
        # The instance and task metadata endpoints, however they are spelled.
        ("http://169.254.169.254/latest/meta-data", "an address in the link-local (instance metadata) range"),
        ("http://169.254.170.2", "an address in the link-local (instance metadata) range"),
        ("http://[fd00:ec2::254]", "an address in the link-local (instance metadata) range"),
        ("http://[fe80::1]:8080", "an address in the link-local (instance metadata) range"),
        ("http://[fe80::1%25eth0]", "an address in the link-local (instance metadata) range"),
        ("http://[::ffff:169.254.169.254]", "an address in the link-local (instance metadata) range"),
        ("http://2852039166", "an IPv4 address in a non-standard form"),
        ("http://0xa9fea9fe", "an IPv4 address in a non-standard form"),
        ("http://169.254.43518", "an IPv4 address in a non-standard form"),
        ("http://0251.0376.0251.0376", "an IPv4 address in a non-standard form"),
        ("http://0.0.0.0:8080", "an address in the unspecified range"),
        ("http://[::]:8080", "an address in the unspecified range"),
        ("http://224.0.0.1", "an address in the multicast range"),
        ("http://[ff02::1]", "an address in the multicast range"),
        ("http://255.255.255.255", "an address in the reserved or broadcast range"),
        ("http://10.0.0.300", "neither an IP address nor a valid host name"),
        ("http://-cats.example.com", "neither an IP address nor a valid host name"),
        ("http://cats_api.example.com", "neither an IP address nor a valid host name"),
        ("http://cats..example.com", "neither an IP address nor a valid host name"),
        ("http://bücher.example", "neither an IP address nor a valid host name"),
        ("http://" + "a" * 64 + ".example.com", "neither an IP address nor a valid host name"),
        ("http://" + "a." * 127 + "com", "neither an IP address nor a valid host name"),
    ],
)
def test_refused_urls_name_the_variable_the_value_the_reason_and_what_is_allowed(value, reason):
    with pytest.raises(ConfigError) as caught:
        load_settings({"ALB_URL": value})
    message = str(caught.value)
    assert message.startswith("ALB_URL=")
    assert reason in message
    assert message.endswith(ALB_URL_ALLOWED)
    assert SECRET not in message
    if "@" not in value:
        assert f"ALB_URL={value!r}" in message


@pytest.mark.parametrize(
    ("kind", "network"), [(kind, network) for kind, networks in REFUSED_NETWORKS.items() for network in networks]
)
def test_every_address_of_a_refused_network_is_refused(kind, network):
    net = ipaddress.ip_network(network)
    for address in (net[0], net[-1]):
        host = f"[{address}]" if address.version == 6 else str(address)
        with pytest.raises(ConfigError, match=re.escape(f"an address in the {kind} range")):
            load_settings({"ALB_URL": f"http://{host}:8080"})


def test_user_info_is_redacted_in_the_one_line_error_and_the_run_exits_2():
    out, err = io.StringIO(), io.StringIO()
    code = main({"ALB_URL": f"https://admin:{SECRET}@alb.example.com:8443/cats"}, stdout=out, stderr=err)

    assert code == 2
    assert out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert SECRET not in lines[0]
    assert "admin" not in lines[0]
    message = json.loads(lines[0])["message"]
    assert "ALB_URL='https://***@alb.example.com:8443/cats' has user info" in message


def test_every_problem_is_still_reported_with_the_url_one():
    with pytest.raises(ConfigError) as caught:
        load_settings({"ALB_URL": "http://169.254.169.254", "DELETE_COUNT": "0"})
    message = str(caught.value)
    assert "ALB_URL='http://169.254.169.254' has host '169.254.169.254'" in message
    assert "DELETE_COUNT='0'" in message
