// Kafka's own message definitions, as facts: for each API ledge has a codec for, the request
// and response fields in wire order with their type and versions, and the flexible versions.
// Source: apache/kafka clients/src/main/resources/common/message/<Api>{Request,Response}.json
// (trunk of 2024-10, before Kafka 4.0 removed the oldest versions). Only fields present in the
// versions ledge has codecs for are listed; tagged fields are left out (ledge never writes them,
// and a tag buffer is skipped whole). test/kafka/reference/codec.ts encodes and decodes from this
// table alone, so a test can check ledge's codec against Kafka rather than against itself.
//
// One line per field: `Name type versions [null nullableVersions]`, children indented two spaces
// under a struct array (`[]`). Types: int8 int16 int32 int64 bool string bytes records,
// []string []int32 []int64. Versions: `N+`, `N-M` or `N` as Kafka writes them.

export interface MessageFacts {
  apiKey: number;
  name: string;
  /** Kafka's flexibleVersions ("none" or "N+"). */
  flexible: string;
  request: string;
  response: string;
}

export const kafkaMessages: readonly MessageFacts[] = [
  { apiKey: 0, name: "Produce", flexible: "9+", request: `
    TransactionalId string 3+ null 3+
    Acks int16 0+
    TimeoutMs int32 0+
    TopicData [] 0+
      Name string 0+
      PartitionData [] 0+
        Index int32 0+
        Records records 0+ null 0+`,
    response: `
    Responses [] 0+
      Name string 0+
      PartitionResponses [] 0+
        Index int32 0+
        ErrorCode int16 0+
        BaseOffset int64 0+
        LogAppendTimeMs int64 2+
        LogStartOffset int64 5+
        RecordErrors [] 8+
          BatchIndex int32 8+
          BatchIndexErrorMessage string 8+ null 8+
        ErrorMessage string 8+ null 8+
    ThrottleTimeMs int32 1+` },
  { apiKey: 1, name: "Fetch", flexible: "12+", request: `
    ReplicaId int32 0-14
    MaxWaitMs int32 0+
    MinBytes int32 0+
    MaxBytes int32 3+
    IsolationLevel int8 4+
    SessionId int32 7+
    SessionEpoch int32 7+
    Topics [] 0+
      Topic string 0-12
      Partitions [] 0+
        Partition int32 0+
        CurrentLeaderEpoch int32 9+
        FetchOffset int64 0+
        LogStartOffset int64 5+
        PartitionMaxBytes int32 0+
    ForgottenTopicsData [] 7+
      Topic string 7-12
      Partitions []int32 7+
    RackId string 11+`,
    response: `
    ThrottleTimeMs int32 1+
    ErrorCode int16 7+
    SessionId int32 7+
    Responses [] 0+
      Topic string 0-12
      Partitions [] 0+
        PartitionIndex int32 0+
        ErrorCode int16 0+
        HighWatermark int64 0+
        LastStableOffset int64 4+
        LogStartOffset int64 5+
        AbortedTransactions [] 4+ null 4+
          ProducerId int64 4+
          FirstOffset int64 4+
        PreferredReadReplica int32 11+
        Records records 0+ null 0+` },
  { apiKey: 2, name: "ListOffsets", flexible: "6+", request: `
    ReplicaId int32 0+
    IsolationLevel int8 2+
    Topics [] 0+
      Name string 0+
      Partitions [] 0+
        PartitionIndex int32 0+
        CurrentLeaderEpoch int32 4+
        Timestamp int64 0+`,
    response: `
    ThrottleTimeMs int32 2+
    Topics [] 0+
      Name string 0+
      Partitions [] 0+
        PartitionIndex int32 0+
        ErrorCode int16 0+
        Timestamp int64 1+
        Offset int64 1+
        LeaderEpoch int32 4+` },
  { apiKey: 3, name: "Metadata", flexible: "9+", request: `
    Topics [] 0+ null 1+
      Name string 0+
    AllowAutoTopicCreation bool 4+
    IncludeClusterAuthorizedOperations bool 8-10
    IncludeTopicAuthorizedOperations bool 8+`,
    response: `
    ThrottleTimeMs int32 3+
    Brokers [] 0+
      NodeId int32 0+
      Host string 0+
      Port int32 0+
      Rack string 1+ null 1+
    ClusterId string 2+ null 2+
    ControllerId int32 1+
    Topics [] 0+
      ErrorCode int16 0+
      Name string 0+
      IsInternal bool 1+
      Partitions [] 0+
        ErrorCode int16 0+
        PartitionIndex int32 0+
        LeaderId int32 0+
        LeaderEpoch int32 7+
        ReplicaNodes []int32 0+
        IsrNodes []int32 0+
        OfflineReplicas []int32 5+
      TopicAuthorizedOperations int32 8+
    ClusterAuthorizedOperations int32 8-10` },
  { apiKey: 8, name: "OffsetCommit", flexible: "8+", request: `
    GroupId string 0+
    GenerationIdOrMemberEpoch int32 1+
    MemberId string 1+
    GroupInstanceId string 7+ null 7+
    RetentionTimeMs int64 2-4
    Topics [] 0+
      Name string 0+
      Partitions [] 0+
        PartitionIndex int32 0+
        CommittedOffset int64 0+
        CommittedLeaderEpoch int32 6+
        CommittedMetadata string 0+ null 0+`,
    response: `
    ThrottleTimeMs int32 3+
    Topics [] 0+
      Name string 0+
      Partitions [] 0+
        PartitionIndex int32 0+
        ErrorCode int16 0+` },
  { apiKey: 9, name: "OffsetFetch", flexible: "6+", request: `
    GroupId string 0-7
    Topics [] 0-7 null 2-7
      Name string 0-7
      PartitionIndexes []int32 0-7`,
    response: `
    ThrottleTimeMs int32 3+
    Topics [] 0-7
      Name string 0-7
      Partitions [] 0-7
        PartitionIndex int32 0-7
        CommittedOffset int64 0-7
        CommittedLeaderEpoch int32 5-7
        Metadata string 0-7 null 0-7
        ErrorCode int16 0-7
    ErrorCode int16 2-7` },
  { apiKey: 10, name: "FindCoordinator", flexible: "3+", request: `
    Key string 0-3
    KeyType int8 1+`,
    response: `
    ThrottleTimeMs int32 1+
    ErrorCode int16 0-3
    ErrorMessage string 1-3 null 1-3
    NodeId int32 0-3
    Host string 0-3
    Port int32 0-3` },
  { apiKey: 11, name: "JoinGroup", flexible: "6+", request: `
    GroupId string 0+
    SessionTimeoutMs int32 0+
    RebalanceTimeoutMs int32 1+
    MemberId string 0+
    GroupInstanceId string 5+ null 5+
    ProtocolType string 0+
    Protocols [] 0+
      Name string 0+
      Metadata bytes 0+`,
    response: `
    ThrottleTimeMs int32 2+
    ErrorCode int16 0+
    GenerationId int32 0+
    ProtocolName string 0+
    Leader string 0+
    MemberId string 0+
    Members [] 0+
      MemberId string 0+
      GroupInstanceId string 5+ null 5+
      Metadata bytes 0+` },
  { apiKey: 12, name: "Heartbeat", flexible: "4+", request: `
    GroupId string 0+
    GenerationId int32 0+
    MemberId string 0+
    GroupInstanceId string 3+ null 3+`,
    response: `
    ThrottleTimeMs int32 1+
    ErrorCode int16 0+` },
  { apiKey: 13, name: "LeaveGroup", flexible: "4+", request: `
    GroupId string 0+
    MemberId string 0-2
    Members [] 3+
      MemberId string 3+
      GroupInstanceId string 3+ null 3+`,
    response: `
    ThrottleTimeMs int32 1+
    ErrorCode int16 0+
    Members [] 3+
      MemberId string 3+
      GroupInstanceId string 3+ null 3+
      ErrorCode int16 3+` },
  { apiKey: 14, name: "SyncGroup", flexible: "4+", request: `
    GroupId string 0+
    GenerationId int32 0+
    MemberId string 0+
    GroupInstanceId string 3+ null 3+
    Assignments [] 0+
      MemberId string 0+
      Assignment bytes 0+`,
    response: `
    ThrottleTimeMs int32 1+
    ErrorCode int16 0+
    Assignment bytes 0+` },
  { apiKey: 15, name: "DescribeGroups", flexible: "5+", request: `
    Groups []string 0+
    IncludeAuthorizedOperations bool 3+`,
    response: `
    ThrottleTimeMs int32 1+
    Groups [] 0+
      ErrorCode int16 0+
      GroupId string 0+
      GroupState string 0+
      ProtocolType string 0+
      ProtocolData string 0+
      Members [] 0+
        MemberId string 0+
        GroupInstanceId string 4+ null 4+
        ClientId string 0+
        ClientHost string 0+
        MemberMetadata bytes 0+
        MemberAssignment bytes 0+
      AuthorizedOperations int32 3+` },
  { apiKey: 16, name: "ListGroups", flexible: "3+", request: `
`,
    response: `
    ThrottleTimeMs int32 1+
    ErrorCode int16 0+
    Groups [] 0+
      GroupId string 0+
      ProtocolType string 0+` },
  { apiKey: 17, name: "SaslHandshake", flexible: "none", request: `
    Mechanism string 0+`,
    response: `
    ErrorCode int16 0+
    Mechanisms []string 0+` },
  { apiKey: 18, name: "ApiVersions", flexible: "3+", request: `
    ClientSoftwareName string 3+
    ClientSoftwareVersion string 3+`,
    response: `
    ErrorCode int16 0+
    ApiKeys [] 0+
      ApiKey int16 0+
      MinVersion int16 0+
      MaxVersion int16 0+
    ThrottleTimeMs int32 1+` },
  { apiKey: 19, name: "CreateTopics", flexible: "5+", request: `
    Topics [] 0+
      Name string 0+
      NumPartitions int32 0+
      ReplicationFactor int16 0+
      Assignments [] 0+
        PartitionIndex int32 0+
        BrokerIds []int32 0+
      Configs [] 0+
        Name string 0+
        Value string 0+ null 0+
    timeoutMs int32 0+
    validateOnly bool 1+`,
    response: `
    ThrottleTimeMs int32 2+
    Topics [] 0+
      Name string 0+
      ErrorCode int16 0+
      ErrorMessage string 1+ null 0+` },
  { apiKey: 20, name: "DeleteTopics", flexible: "4+", request: `
    TopicNames []string 0-5
    TimeoutMs int32 0+`,
    response: `
    ThrottleTimeMs int32 1+
    Responses [] 0+
      Name string 0+
      ErrorCode int16 0+` },
  { apiKey: 22, name: "InitProducerId", flexible: "2+", request: `
    TransactionalId string 0+ null 0+
    TransactionTimeoutMs int32 0+`,
    response: `
    ThrottleTimeMs int32 0+
    ErrorCode int16 0+
    ProducerId int64 0+
    ProducerEpoch int16 0+` },
  { apiKey: 32, name: "DescribeConfigs", flexible: "4+", request: `
    Resources [] 0+
      ResourceType int8 0+
      ResourceName string 0+
      ConfigurationKeys []string 0+ null 0+
    IncludeSynonyms bool 1+
    IncludeDocumentation bool 3+`,
    response: `
    ThrottleTimeMs int32 0+
    Results [] 0+
      ErrorCode int16 0+
      ErrorMessage string 0+ null 0+
      ResourceType int8 0+
      ResourceName string 0+
      Configs [] 0+
        Name string 0+
        Value string 0+ null 0+
        ReadOnly bool 0+
        IsDefault bool 0
        ConfigSource int8 1+
        IsSensitive bool 0+
        Synonyms [] 1+
          Name string 1+
          Value string 1+ null 0+
          Source int8 1+
        ConfigType int8 3+
        Documentation string 3+ null 0+` },
  { apiKey: 36, name: "SaslAuthenticate", flexible: "2+", request: `
    AuthBytes bytes 0+`,
    response: `
    ErrorCode int16 0+
    ErrorMessage string 0+ null 0+
    AuthBytes bytes 0+
    SessionLifetimeMs int64 1+` },
  { apiKey: 24, name: "AddPartitionsToTxn", flexible: "3+", request: `
    V3AndBelowTransactionalId string 0-3
    V3AndBelowProducerId int64 0-3
    V3AndBelowProducerEpoch int16 0-3
    V3AndBelowTopics [] 0-3
      Name string 0+
      Partitions []int32 0+`,
    response: `
    ThrottleTimeMs int32 0+
    ResultsByTopicV3AndBelow [] 0-3
      Name string 0+
      ResultsByPartition [] 0+
        PartitionIndex int32 0+
        PartitionErrorCode int16 0+` },
  { apiKey: 25, name: "AddOffsetsToTxn", flexible: "3+", request: `
    TransactionalId string 0+
    ProducerId int64 0+
    ProducerEpoch int16 0+
    GroupId string 0+`,
    response: `
    ThrottleTimeMs int32 0+
    ErrorCode int16 0+` },
  { apiKey: 26, name: "EndTxn", flexible: "3+", request: `
    TransactionalId string 0+
    ProducerId int64 0+
    ProducerEpoch int16 0+
    Committed bool 0+`,
    response: `
    ThrottleTimeMs int32 0+
    ErrorCode int16 0+` },
  { apiKey: 28, name: "TxnOffsetCommit", flexible: "3+", request: `
    TransactionalId string 0+
    GroupId string 0+
    ProducerId int64 0+
    ProducerEpoch int16 0+
    GenerationId int32 3+
    MemberId string 3+
    GroupInstanceId string 3+ null 3+
    Topics [] 0+
      Name string 0+
      Partitions [] 0+
        PartitionIndex int32 0+
        CommittedOffset int64 0+
        CommittedLeaderEpoch int32 2+
        CommittedMetadata string 0+ null 0+`,
    response: `
    ThrottleTimeMs int32 0+
    Topics [] 0+
      Name string 0+
      Partitions [] 0+
        PartitionIndex int32 0+
        ErrorCode int16 0+` },
  { apiKey: 29, name: "DescribeAcls", flexible: "2+", request: `
    ResourceTypeFilter int8 0+
    ResourceNameFilter string 0+ null 0+
    PatternTypeFilter int8 1+
    PrincipalFilter string 0+ null 0+
    HostFilter string 0+ null 0+
    Operation int8 0+
    PermissionType int8 0+`,
    response: `
    ThrottleTimeMs int32 0+
    ErrorCode int16 0+
    ErrorMessage string 0+ null 0+
    Resources [] 0+
      Type int8 0+
      Name string 0+
      PatternType int8 1+
      Acls [] 0+
        Principal string 0+
        Host string 0+
        Operation int8 0+
        PermissionType int8 0+` },
  { apiKey: 65, name: "DescribeTransactions", flexible: "0+", request: `
    TransactionalIds []string 0+`,
    response: `
    ThrottleTimeMs int32 0+
    TransactionStates [] 0+
      ErrorCode int16 0+
      TransactionalId string 0+
      TransactionState string 0+
      TransactionTimeoutMs int32 0+
      TransactionStartTimeMs int64 0+
      ProducerId int64 0+
      ProducerEpoch int16 0+
      Topics [] 0+
        Topic string 0+
        Partitions []int32 0+` },
  { apiKey: 66, name: "ListTransactions", flexible: "0+", request: `
    StateFilters []string 0+
    ProducerIdFilters []int64 0+`,
    response: `
    ThrottleTimeMs int32 0+
    ErrorCode int16 0+
    UnknownStateFilters []string 0+
    TransactionStates [] 0+
      TransactionalId string 0+
      ProducerId int64 0+
      TransactionState string 0+` },
];
