// The ecs-workloads components from TypeScript, through the SDK that `pulumi package add` generates.
//
// Written in a plain shape that tests/package/test_examples.py checks against the package's schema: every
// component is `new ecsWorkloads.<Component>("<name>", { ... })` with an object literal, every other literal
// that stands for one of the package's types is annotated with it (`ecsWorkloads.types.input.<Type>Args`), and
// outputs are read as `<variable>.<output>`. No spreads and no computed keys, so the check sees every name.
import * as pulumi from "@pulumi/pulumi";
import * as ecsWorkloads from "@pulumi/ecs-workloads";

const config = new pulumi.Config();
const image = config.get("image") ?? "public.ecr.aws/nginx/nginx:1.27";

// A VPC in two zones with public subnets only (no NAT gateway): the tasks get public IPs.
const network = new ecsWorkloads.Network("network", {
    availabilityZones: 2,
    natStrategy: "none",
    tags: { team: "platform" },
});

// Where the tasks run, from the network's outputs (Network.placement() in Python; not an output of its own).
const placement: ecsWorkloads.types.input.WorkloadPlacementArgs = {
    vpcId: network.vpcId,
    subnetIds: network.workloadSubnetIds,
    assignPublicIp: network.assignPublicIp,
};

const cluster = new ecsWorkloads.EcsCluster("ecs", {
    defaultCapacity: { fargate: 1, fargateSpot: 3 },
});

const alarms = new ecsWorkloads.AlarmTopic("alarms", {});

// An HTTP service behind an Application Load Balancer.
const web = new ecsWorkloads.AlbWebService("web", {
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    placement: placement,
    loadBalancerSubnetIds: network.loadBalancerSubnetIds,
    workload: {
        image: image,
        port: 8080,
        cpu: 256,
        memory: 512,
        environment: { GREETING: "hello" },
    },
    healthCheckPath: "/health",
    autoscaling: { minTasks: 1, maxTasks: 4, cpuTargetPercent: 60 },
    alarmTopicArn: alarms.arn,
});

// A container run every night, calling the web service through its URL.
const report = new ecsWorkloads.ScheduledEcsTask("nightly-report", {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    placement: placement,
    workload: {
        image: "public.ecr.aws/acme/report:1.4",
        cpu: 512,
        memory: 1024,
        environment: { WEB_URL: web.url },
    },
    schedule: "cron(0 2 * * ? *)",
    timezone: "Europe/London",
    capacity: { fargate: 0, fargateSpot: 1 },
    alarmTopicArn: alarms.arn,
});

// S3 input bucket -> queue -> autoscaled workers -> S3 output bucket.
const worker = new ecsWorkloads.QueueBackedBatchService("images", {
    clusterName: cluster.name,
    clusterArn: cluster.arn,
    placement: placement,
    workload: { image: "public.ecr.aws/acme/thumbnailer:2.1", cpu: 1024, memory: 2048 },
    processor: "thumbnails",
    suffixes: [".jpg", ".jpeg"],
    maxTasks: 10,
    messagesPerTask: 20,
    alarmTopicArn: alarms.arn,
});

export const url = web.url;
export const scheduleName = report.scheduleName;
export const inputBucket = worker.inputBucketName;
export const outputBucket = worker.outputBucketName;
export const queueUrl = worker.queueUrl;
