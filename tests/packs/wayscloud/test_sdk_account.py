"""``client.account`` of the official SDK: the profile and SSH keys, on the dashboard paths it calls."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from wayscloud import AuthenticationError, ConflictError, NotFoundError, ValidationError, WaysCloudClient

from tests.conftest import tenant_credentials
from tests.packs.wayscloud.conftest import API, Tenant

# Keys made with ssh-keygen; each fingerprint is what `ssh-keygen -lf` prints for it.
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@workstation"
ED25519_FP = "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"
RSA = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCtghd8V6q2aVgvW0jGf4y324YaYdEeMbxTkGdG5g+UKB0jjN/qiVVy0FdJr78vTPUs0F"
       "PZptZPTpFQdqB8bfM7Dhymvt176P6eFFbciO/50JDYY3TSeMBHCSGwl3pXPZHKiNittMhjD5AcLox5kljzU6lf3G9hGNqsGy0m0fI21Ba64"
       "Xxg153GpxvDTp/FKwKbpMCfqyQAQ3RMxiFYwivtfzXFVJewKry9AEBHgvozU0vbaQ3J+CJ65jyGsz+wJ6i+7lG9YsZF6y6lHCsmMy9TKSjfdc"
       "SurcLuGufD+zZ6U1j0H331JVy87Ei7BQumfpYAbjXtQ1NeHnLAgndNVmiF rsa@test")
RSA_FP = "SHA256:xMMW5wbMnDIZcRowZ/bspOiYv+DdlMaxVxH38r7y2Hk"
ECDSA = ("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDk8ekASh8yGg3teFBR8DdoD2IDnFaCy"
         "hevbsjRyAodTg80eJSYMl1dXvYg/rn3jdiuvEjW5gfZSetZqEQ71nw0= ec@test")
ECDSA_FP = "SHA256:jZa1zHfxBn/XlKggrA6t3MBH3tbwJVo2wU6nnCORaDY"


def test_the_profile_names_the_customer_and_carries_the_name_whoami_prints(
    sdk: Callable[..., WaysCloudClient], client: TestClient, tenant: Tenant
) -> None:
    profile = sdk().account.profile()
    documented = client.get(f"{API}/account/profile", headers=tenant.account).json()
    assert profile == documented
    assert profile["email"].endswith("@example.com")
    assert profile["name"] == f"{profile['first_name']} {profile['last_name']}"
    assert profile["customer_type"] == "private"


def test_the_profile_refuses_an_unknown_pat_as_an_authentication_error(sdk: Callable[..., WaysCloudClient]) -> None:
    with pytest.raises(AuthenticationError) as raised:
        sdk(token="wayscloud_pat_nothing0_notarealtokennotarealtokennot").account.profile()
    assert raised.value.status_code == 401
    assert raised.value.detail == "Invalid or missing PAT token"


@pytest.mark.parametrize(("public_key", "fingerprint", "key_type"), [
    (ED25519, ED25519_FP, "ssh-ed25519"), (RSA, RSA_FP, "ssh-rsa"), (ECDSA, ECDSA_FP, "ecdsa-sha2-nistp256"),
], ids=["ed25519", "rsa", "ecdsa"])
def test_an_ssh_key_is_added_fingerprinted_as_ssh_keygen_does_listed_and_deleted(
    sdk: Callable[..., WaysCloudClient], client: TestClient, tenant: Tenant, public_key: str, fingerprint: str,
    key_type: str,
) -> None:
    account = sdk().account
    added = account.add_ssh_key("deploy-server", public_key)
    assert added["fingerprint"] == fingerprint
    assert added["key_type"] == key_type
    assert added["name"] == "deploy-server"
    assert added["vm_count"] == 0

    assert account.ssh_keys() == [added]
    # The same key through the document's own path.
    assert client.get(f"{API}/account/ssh-keys", headers=tenant.account).json() == [added]

    assert account.delete_ssh_key(added["id"])["success"] is True
    assert account.ssh_keys() == []
    with pytest.raises(NotFoundError) as raised:
        account.delete_ssh_key(added["id"])
    assert raised.value.detail == "Key not found"


def test_the_same_key_twice_is_a_conflict_whatever_its_name_or_comment(sdk: Callable[..., WaysCloudClient]) -> None:
    account = sdk().account
    first = account.add_ssh_key("laptop", ED25519)
    with pytest.raises(ConflictError) as raised:
        account.add_ssh_key("other", ED25519.rsplit(" ", 1)[0] + " someone@else")
    assert raised.value.detail == "SSH key with this fingerprint is already registered"
    assert [k["id"] for k in account.ssh_keys()] == [first["id"]]
    # Once deleted, the key may be added again.
    account.delete_ssh_key(first["id"])
    assert account.add_ssh_key("laptop", ED25519)["fingerprint"] == ED25519_FP


@pytest.mark.parametrize("public_key", [
    "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
    "not a key",
    "ssh-ed25519 !!!notbase64",
    # An Ed25519 header on an RSA blob.
    "ssh-ed25519 " + RSA.split()[1],
    # A truncated blob.
    "ssh-ed25519 " + ED25519.split()[1][:40],
], ids=["dss", "garbage", "not-base64", "wrong-type", "truncated"])
def test_an_unsupported_or_malformed_key_is_a_validation_error(
    sdk: Callable[..., WaysCloudClient], public_key: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        sdk().account.add_ssh_key("bad", public_key)
    assert raised.value.status_code == 400
    assert raised.value.detail == (
        "Invalid SSH key format. Supported types: ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256")


def test_another_account_neither_sees_nor_deletes_a_key(
    sdk: Callable[..., WaysCloudClient], client: TestClient
) -> None:
    added = sdk().account.add_ssh_key("mine", ED25519)
    other = sdk(token=tenant_credentials(client)["credentials"]["wayscloud"]["pat"]).account
    assert other.ssh_keys() == []
    with pytest.raises(NotFoundError):
        other.delete_ssh_key(added["id"])
    # The other account may register the same key for itself.
    assert other.add_ssh_key("theirs", ED25519)["fingerprint"] == ED25519_FP
    assert [k["id"] for k in sdk().account.ssh_keys()] == [added["id"]]


def test_a_service_key_is_not_an_account_credential(sdk: Callable[..., WaysCloudClient], tenant: Tenant) -> None:
    with pytest.raises(AuthenticationError) as raised:
        sdk(token=tenant.api_key).account.ssh_keys()
    assert raised.value.status_code == 401
