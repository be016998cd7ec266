/** The plain-JSON shapes (apps/v1, core/v1 Service, autoscaling/v2, policy/v1) of the serving objects Cairn renders. */
import type { ChildMeta, Container, PodSecurityContext, Toleration, Volume } from './types.js';

export interface HttpProbe {
  httpGet: { path: string; port: string };
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export interface ExecProbe {
  exec: { command: string[] };
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export interface ServingContainer extends Container {
  ports?: Array<{ name: string; containerPort: number; protocol: 'TCP' }>;
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  startupProbe?: ExecProbe;
}

export interface ServingPodSpec {
  serviceAccountName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  automountServiceAccountToken: boolean;
  enableServiceLinks: false;
  securityContext: PodSecurityContext;
  terminationGracePeriodSeconds: number;
  initContainers?: Container[];
  containers: ServingContainer[];
  volumes?: Volume[];
}

export interface AppsDeployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ChildMeta;
  spec: {
    replicas?: number;
    revisionHistoryLimit: number;
    selector: { matchLabels: Record<string, string> };
    strategy: { type: 'RollingUpdate'; rollingUpdate: { maxSurge: number; maxUnavailable: number } };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: ServingPodSpec };
  };
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ChildMeta;
  spec: {
    type: 'ClusterIP';
    selector: Record<string, string>;
    ports: Array<{ name: string; port: number; targetPort: string; protocol: 'TCP'; appProtocol: 'http' }>;
  };
}

export interface HorizontalPodAutoscaler {
  apiVersion: 'autoscaling/v2';
  kind: 'HorizontalPodAutoscaler';
  metadata: ChildMeta;
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1'; kind: 'Deployment'; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: Array<{ type: 'Resource'; resource: { name: 'cpu'; target: { type: 'Utilization'; averageUtilization: number } } }>;
  };
}

export interface PodDisruptionBudget {
  apiVersion: 'policy/v1';
  kind: 'PodDisruptionBudget';
  metadata: ChildMeta;
  spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
}
