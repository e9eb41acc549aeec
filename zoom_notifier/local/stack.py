"""The deployment, locally: the resources of ``infrastructure/template.yaml`` created in a
:class:`~zoom_notifier.local.aws.LocalAws` server, and the real ``state_machine.asl.json``.

Names, key schema, environment variables and definition substitutions are read from the
template, so the local stack and a deployment cannot drift apart.
"""

from __future__ import annotations

import copy
import importlib
import io
import json
import re
import warnings
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.cloudformation import Resolver, load_template
from zoom_notifier.local.deployment import STATE_MACHINE_PATH, TEMPLATE_PATH

__all__ = ["LocalStack", "deploy", "handler_at", "shorten_retries", "substitute"]

# The record of the local stack (see _record_stack) is one resource of a type moto does not model,
# on purpose: moto warns about it from its server thread, for every stack it reads.
warnings.filterwarnings(
    "ignore", message="Tried to parse AWS::CloudFormation::WaitConditionHandle", module="moto"
)

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def substitute(definition_text: str, substitutions: Mapping[str, str]) -> str:
    """Replace ``${Name}`` placeholders as Step Functions' DefinitionSubstitutions do."""

    def replace(match: re.Match[str]) -> str:
        name = match[1]
        if name not in substitutions:
            raise KeyError(f"state machine placeholder ${{{name}}} has no substitution")
        return substitutions[name]

    return _PLACEHOLDER.sub(replace, definition_text)


def shorten_retries(definition: dict[str, Any], seconds: int = 1) -> dict[str, Any]:
    """The same definition with every Retry waiting ``seconds`` flat (attempts unchanged).

    Real intervals are minutes; local runs and tests would otherwise wait them out.
    """
    shortened = copy.deepcopy(definition)
    for state in shortened["States"].values():
        for retrier in state.get("Retry", []):
            retrier["IntervalSeconds"] = seconds
            retrier["BackoffRate"] = 1.0
            retrier.pop("MaxDelaySeconds", None)
            retrier["JitterStrategy"] = "NONE"
    return shortened


@dataclass
class LocalStack:
    """What was created, by logical id, and the clients to inspect it."""

    aws: LocalAws
    template: dict[str, Any]
    physical_ids: dict[str, str]
    arns: dict[str, str]
    environments: dict[str, dict[str, str]]
    failure_queue_url: str
    role_arn: str
    definition: dict[str, Any] = field(default_factory=dict)
    # The template's alarms on the service's own metrics, their properties resolved.
    alarms: dict[str, dict[str, Any]] = field(default_factory=dict)
    account_id: str = ACCOUNT_ID
    region: str = REGION

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.aws.endpoint)

    @property
    def state_machine_arn(self) -> str:
        return self.arns["StateMachine"]

    def tick_event(self, scheduled_time: datetime) -> dict[str, Any]:
        """The event the dispatcher's schedule invokes it with at ``scheduled_time``: the
        schedule's own ``Input``, its context attribute filled in as EventBridge Scheduler
        does (docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-
        attributes.html)."""
        schedule = self.client("scheduler").get_schedule(Name=self.physical_ids["DispatchSchedule"])
        stamp = scheduled_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = schedule["Target"]["Input"].replace("<aws.scheduler.scheduled-time>", stamp)
        event: dict[str, Any] = json.loads(text)
        return event

    @property
    def environment(self) -> dict[str, str]:
        """Every function's variables together (they agree wherever they overlap)."""
        merged: dict[str, str] = {}
        for variables in self.environments.values():
            for name, value in variables.items():
                if merged.setdefault(name, value) != value:
                    raise ValueError(f"functions disagree on {name}")
        return merged


def _resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def _only(template: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, properties),) = _resources(template, resource_type).items()
    return logical_id, properties


def _table_name(stack_name: str, table_id: str) -> str:
    """``zoom-notifier-meetings`` for ``MeetingsTable``: readable names, as the tests use."""
    words = re.findall(r"[A-Z][a-z]+", table_id.removesuffix("Table"))
    return f"{stack_name}-" + "-".join(word.lower() for word in words)


def _placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "handlers run in-process; see zoom_notifier.local.aws")
    return buffer.getvalue()


def handler_at(path: str) -> Callable[[Any, Any], Any]:
    module_name, _, attribute = path.rpartition(".")
    handler: Callable[[Any, Any], Any] = getattr(importlib.import_module(module_name), attribute)
    return handler


def _create_functions(
    aws: LocalAws,
    lambda_client: Any,
    functions: Mapping[str, dict[str, Any]],
    physical: Mapping[str, str],
    resolver: Resolver,
    role_arn: str,
) -> dict[str, dict[str, str]]:
    """Each function registered in moto and run in-process; their resolved environments."""
    environments: dict[str, dict[str, str]] = {}
    for function_id, function in functions.items():
        name = physical[function_id]
        variables: dict[str, Any] = {}
        for key, value in function.get("Environment", {}).get("Variables", {}).items():
            try:
                # Resolved one at a time, each as a one-entry map (AWS::NoValue drops it).
                variables |= resolver.resolve({key: value})
            except KeyError:
                # A Function URL this local stack does not serve (no function_urls): the
                # variable naming it is left out, as the outputs naming it are.
                continue
        environments[function_id] = {key: str(value) for key, value in variables.items()}
        lambda_client.create_function(
            FunctionName=name,
            Runtime=function["Runtime"],
            Handler=function["Handler"],
            Role=role_arn,
            Code={"ZipFile": _placeholder_zip()},
            Environment={"Variables": environments[function_id]},
        )
        aws.register(name, handler_at(function["Handler"]), float(function["Timeout"]))
    return environments


def _create_schedule(
    scheduler: Any, stack_name: str, template: dict[str, Any], resolver: Resolver
) -> dict[str, str]:
    """The dispatcher's schedule, as the template defines it (moto keeps it; nothing fires
    it: the demo and the tests call the dispatcher with a tick's time)."""
    schedule_id, schedule = _only(template, "AWS::Scheduler::Schedule")
    name = f"{stack_name}-dispatch"
    target = {key: resolver.resolve(schedule["Target"][key]) for key in ("Arn", "RoleArn", "Input")}
    scheduler.create_schedule(
        Name=name,
        ScheduleExpression=resolver.resolve(schedule["ScheduleExpression"]),
        ScheduleExpressionTimezone=resolver.resolve(schedule["ScheduleExpressionTimezone"]),
        State=resolver.resolve(schedule["State"]),
        FlexibleTimeWindow=schedule["FlexibleTimeWindow"],
        Target=target,
    )
    return {schedule_id: name}


def _record_stack(
    cloudformation: Any,
    stack_name: str,
    template: dict[str, Any],
    parameters: Mapping[str, str],
    resolver: Resolver,
) -> None:
    """A CloudFormation stack of the name, parameters and outputs a deployment would have, so
    that what reads a deployed stack (``zoom-notifier check``) reads this one the same way.
    Outputs of resources the local stack does not create are left out."""
    outputs = {}
    for name, output in template["Outputs"].items():
        try:
            outputs[name] = {"Value": str(resolver.resolve(output["Value"]))}
        except KeyError:
            continue
    names = template["Parameters"]
    record = {
        "Parameters": {name: {"Type": "String"} for name in names},
        # moto records a resource type it does not model and creates nothing for it.
        "Resources": {"Record": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": outputs,
    }
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(record),
        Parameters=[{"ParameterKey": name, "ParameterValue": parameters[name]} for name in names],
    )


def deploy(
    aws: LocalAws,
    *,
    stack_name: str = "zoom-notifier",
    parameters: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    template_path: Path = TEMPLATE_PATH,
    definition_path: Path = STATE_MACHINE_PATH,
    function_urls: Mapping[str, str] | None = None,
) -> LocalStack:
    """Create the stack's bucket, table, secrets, topic, functions and state machine.

    ``secrets`` maps the secrets' logical ids to their values (default: the template's
    placeholders); ``transform`` may rewrite the parsed state machine (e.g.
    :func:`shorten_retries`); ``function_urls`` maps Function URLs' logical ids to where they
    are served (:class:`~zoom_notifier.local.function_url.FunctionUrlServer`), so the outputs
    that name them (``SlashCommandUrl``) are recorded.
    """
    template = load_template(template_path)
    refs: dict[str, str] = {
        name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()
    }
    refs |= dict(parameters or {})
    refs |= {
        "AWS::StackName": stack_name,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::Region": REGION,
        "AWS::Partition": "aws",
    }
    conditions = Resolver(refs, {}).conditions(template.get("Conditions", {}))
    mappings = template.get("Mappings", {})
    # A resource whose condition is false does not exist in this deployment.
    template = {
        **template,
        "Resources": {
            logical_id: resource
            for logical_id, resource in template["Resources"].items()
            if conditions.get(resource.get("Condition", ""), True)
        },
    }
    attributes: dict[str, str] = {
        f"{url_id}.FunctionUrl": url for url_id, url in (function_urls or {}).items()
    }
    physical: dict[str, str] = {}

    def client(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=aws.endpoint)

    s3, dynamodb, secretsmanager = client("s3"), client("dynamodb"), client("secretsmanager")
    sns, sqs, iam = client("sns"), client("sqs"), client("iam")

    bucket_id, _ = _only(template, "AWS::S3::Bucket")
    physical[bucket_id] = f"{stack_name}-templates"
    s3.create_bucket(Bucket=physical[bucket_id])

    for table_id, table in _resources(template, "AWS::DynamoDB::Table").items():
        physical[table_id] = _table_name(stack_name, table_id)
        indexes = table.get("GlobalSecondaryIndexes")
        dynamodb.create_table(
            TableName=physical[table_id],
            KeySchema=table["KeySchema"],
            AttributeDefinitions=table["AttributeDefinitions"],
            BillingMode=table["BillingMode"],
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        )
        dynamodb.update_time_to_live(
            TableName=physical[table_id], TimeToLiveSpecification=table["TimeToLiveSpecification"]
        )
        attributes[f"{table_id}.Arn"] = (
            f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{physical[table_id]}"
        )

    for secret_id, secret in _resources(template, "AWS::SecretsManager::Secret").items():
        value = (secrets or {}).get(secret_id, secret.get("SecretString", ""))
        created = secretsmanager.create_secret(Name=f"{stack_name}/{secret_id}", SecretString=value)
        physical[secret_id] = created["ARN"]

    topic_id = "FailureTopic"
    physical[topic_id] = sns.create_topic(Name=f"{stack_name}-failures")["TopicArn"]
    physical["AlarmTopic"] = sns.create_topic(Name=f"{stack_name}-alarms")["TopicArn"]
    # Stand-in for the Lambda subscription: the failure messages are collected here.
    queue_url = sqs.create_queue(QueueName=f"{stack_name}-failure-messages")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=physical[topic_id], Protocol="sqs", Endpoint=queue_arn)

    role_arn = iam.create_role(
        RoleName=f"{stack_name}-local",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    resolver = Resolver(refs | physical, attributes, conditions)
    functions = _resources(template, "AWS::Lambda::Function")
    # Names first: the state machine needs the steps' ARNs, the dispatcher the machine's.
    for function_id, function in functions.items():
        name = resolver.resolve(function["FunctionName"])
        physical[function_id] = name
        attributes[f"{function_id}.Arn"] = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"

    resolver = Resolver(refs | physical, attributes, conditions)
    machine_id, machine = _only(template, "AWS::StepFunctions::StateMachine")
    substitutions = resolver.resolve(machine["DefinitionSubstitutions"])
    definition = json.loads(substitute(definition_path.read_text(), substitutions))
    if transform is not None:
        definition = transform(definition)
    created = client("stepfunctions").create_state_machine(
        name=stack_name, definition=json.dumps(definition), roleArn=role_arn
    )
    physical[machine_id] = created["stateMachineArn"]

    environments = _create_functions(
        aws,
        client("lambda"),
        functions,
        physical,
        Resolver(refs | physical, attributes, conditions),
        role_arn,
    )

    physical.update(
        _create_schedule(
            client("scheduler"),
            stack_name,
            template,
            Resolver(refs | physical, attributes | {"ScheduleRole.Arn": role_arn}, conditions),
        )
    )
    _record_stack(
        client("cloudformation"),
        stack_name,
        template,
        refs,
        Resolver(refs | physical, attributes, conditions),
    )
    alarms = _own_alarms(template, Resolver(refs | physical, attributes, conditions, mappings))
    arns = {key: value for key, value in physical.items() if value.startswith("arn:")}
    arns |= {key.removesuffix(".Arn"): value for key, value in attributes.items()}
    return LocalStack(
        aws=aws,
        template=template,
        physical_ids=physical,
        arns=arns,
        environments=environments,
        failure_queue_url=queue_url,
        role_arn=role_arn,
        definition=definition,
        alarms=alarms,
    )


def _own_alarms(template: dict[str, Any], resolver: Resolver) -> dict[str, dict[str, Any]]:
    """The alarms on one metric of the service's own namespace (what the handlers' log lines
    emit), resolved; those on AWS's metrics are not modelled locally."""
    alarms = {}
    for alarm_id, alarm in _resources(template, "AWS::CloudWatch::Alarm").items():
        if "MetricName" not in alarm or str(alarm.get("Namespace", "")).startswith("AWS/"):
            continue
        alarms[alarm_id] = resolver.resolve(alarm)
    return alarms
