/**
 * An ECS Fargate service from a multi-platform image. ECS takes the index (`ref`): each task pulls the manifest
 * for the runtime platform its task definition names, so switching to Graviton is a change of `cpuArchitecture`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MultiPlatformImage } from "pulumi-ecr-image";

const config = new pulumi.Config();
const cpuArchitecture = config.get("cpuArchitecture") ?? "ARM64"; // or X86_64

const image = new MultiPlatformImage("web", {
  context: "../app",
  cache: { branch: process.env.CACHE_BRANCH },
  repository: { forceDelete: true },
});

const vpc = aws.ec2.getVpcOutput({ default: true });
const subnets = aws.ec2.getSubnetsOutput({ filters: [{ name: "vpc-id", values: [vpc.id] }] });

const cluster = new aws.ecs.Cluster("web");
const logs = new aws.cloudwatch.LogGroup("web", { retentionInDays: 7 });
const executionRole = new aws.iam.Role("web-execution", {
  assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ecs-tasks.amazonaws.com" }),
  managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
});

const task = new aws.ecs.TaskDefinition("web", {
  family: "web",
  cpu: "256",
  memory: "512",
  networkMode: "awsvpc",
  requiresCompatibilities: ["FARGATE"],
  runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture },
  executionRoleArn: executionRole.arn,
  containerDefinitions: pulumi.jsonStringify([
    {
      name: "web",
      image: image.ref, // the index digest: immutable, and valid for both architectures
      essential: true,
      portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": logs.name,
          "awslogs-region": aws.getRegionOutput().region,
          "awslogs-stream-prefix": "web",
        },
      },
    },
  ]),
});

const securityGroup = new aws.ec2.SecurityGroup("web", {
  vpcId: vpc.id,
  ingress: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["0.0.0.0/0"] }],
  egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
});

const service = new aws.ecs.Service("web", {
  cluster: cluster.arn,
  taskDefinition: task.arn,
  desiredCount: 1,
  launchType: "FARGATE",
  networkConfiguration: { subnets: subnets.ids, securityGroups: [securityGroup.id], assignPublicIp: true },
});

export const serviceName = service.name;
export const imageRef = image.ref;
export const platformRefs = image.platformRefs;
