"""The requests of the storage, network, DNS, certificate and secret-value resources (see `requests`)."""

from __future__ import annotations

from typing import Any

from harness.recording import Registration

from .requests import Request, _name, _one, _pick, pascal

_S3 = {"id": "ID", "sseAlgorithm": "SSEAlgorithm", "kmsMasterKeyId": "KMSMasterKeyID"}


def bucket(reg: Registration) -> list[Request]:
    return _one(reg, "s3", "CreateBucket", {"Bucket": str(reg.outputs.get("bucket", _name(reg)))})


def public_access_block(reg: Registration) -> list[Request]:
    i = reg.inputs
    config = pascal(_pick(i, "bucket", "skipDestroy"))
    return _one(reg, "s3", "PutPublicAccessBlock", {"Bucket": i["bucket"], "PublicAccessBlockConfiguration": config})


def encryption(reg: Registration) -> list[Request]:
    i = reg.inputs
    config = {"Rules": pascal(i.get("rules", []), _S3)}
    return _one(reg, "s3", "PutBucketEncryption", {"Bucket": i["bucket"], "ServerSideEncryptionConfiguration": config})


def lifecycle(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"Bucket": i["bucket"], "LifecycleConfiguration": {"Rules": pascal(i.get("rules", []), _S3)}}
    return _one(reg, "s3", "PutBucketLifecycleConfiguration", params)


def bucket_policy(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {"Bucket": i["bucket"], "Policy": i["policy"]}
    return _one(reg, "s3", "PutBucketPolicy", params, ("Policy", "resource-policy", i["policy"]))


def notification(reg: Registration) -> list[Request]:
    i = reg.inputs
    config: dict[str, Any] = {"EventBridgeConfiguration": {}} if i.get("eventbridge") else {}
    renames = {"queues": "QueueConfigurations", "topics": "TopicConfigurations"}
    config.update(pascal(_pick(i, "bucket", "eventbridge", "lambdaFunctions"), renames))
    return _one(
        reg, "s3", "PutBucketNotificationConfiguration", {"Bucket": i["bucket"], "NotificationConfiguration": config}
    )


def security_group(reg: Registration) -> list[Request]:
    i = reg.inputs
    params = {
        "GroupName": _name(reg),
        "Description": i.get("description", "Managed by Pulumi"),
        "VpcId": i.get("vpcId"),
    }
    return _one(reg, "ec2", "CreateSecurityGroup", {k: v for k, v in params.items() if v is not None})


def _permission(i: dict[str, Any]) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": i["ipProtocol"]}
    if "fromPort" in i:
        permission.update(FromPort=i["fromPort"], ToPort=i.get("toPort", i["fromPort"]))
    described = {"Description": i["description"]} if "description" in i else {}
    if "cidrIpv4" in i:
        permission["IpRanges"] = [{"CidrIp": i["cidrIpv4"], **described}]
    if "cidrIpv6" in i:
        permission["Ipv6Ranges"] = [{"CidrIpv6": i["cidrIpv6"], **described}]
    if "referencedSecurityGroupId" in i:
        permission["UserIdGroupPairs"] = [{"GroupId": i["referencedSecurityGroupId"], **described}]
    if "prefixListId" in i:
        permission["PrefixListIds"] = [{"PrefixListId": i["prefixListId"], **described}]
    return permission


def ingress_rule(reg: Registration) -> list[Request]:
    params = {"GroupId": reg.inputs["securityGroupId"], "IpPermissions": [_permission(reg.inputs)]}
    return _one(reg, "ec2", "AuthorizeSecurityGroupIngress", params)


def egress_rule(reg: Registration) -> list[Request]:
    params = {"GroupId": reg.inputs["securityGroupId"], "IpPermissions": [_permission(reg.inputs)]}
    return _one(reg, "ec2", "AuthorizeSecurityGroupEgress", params)


def secret_version(reg: Registration) -> list[Request]:
    # The value itself is a secret the check never needs; its presence is what the request carries.
    params = {"SecretId": reg.inputs["secretId"], "SecretString": "<secret>"}
    return _one(reg, "secretsmanager", "PutSecretValue", params)


def record(reg: Registration) -> list[Request]:
    i = reg.inputs
    record_set: dict[str, Any] = {"Name": i["name"], "Type": i["type"]}
    if "ttl" in i:
        record_set["TTL"] = i["ttl"]
    if i.get("records"):
        record_set["ResourceRecords"] = [{"Value": value} for value in i["records"]]
    if i.get("aliases"):
        alias = i["aliases"][0]
        record_set["AliasTarget"] = {
            "HostedZoneId": alias["zoneId"],
            "DNSName": alias["name"],
            "EvaluateTargetHealth": alias["evaluateTargetHealth"],
        }
    change = {"Action": "UPSERT" if i.get("allowOverwrite") else "CREATE", "ResourceRecordSet": record_set}
    params = {"HostedZoneId": i["zoneId"], "ChangeBatch": {"Changes": [change]}}
    return _one(reg, "route53", "ChangeResourceRecordSets", params)


def certificate(reg: Registration) -> list[Request]:
    params = pascal(_pick(reg.inputs, "tags", "keyAlgorithm", "options", "validationOptions"))
    return _one(reg, "acm", "RequestCertificate", params)


def certificate_validation(reg: Registration) -> list[Request]:
    # The provider only waits for the certificate to be issued (DescribeCertificate); it creates nothing.
    return []
